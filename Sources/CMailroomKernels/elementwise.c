// Elementwise passes of the encoder (bias + GELU, row softmax) for the widest vectors this CPU has: AVX-512,
// AVX2 + FMA, or plain C. Swift's SIMD types compile for the x86-64 baseline (SSE2), so these passes ran on 4-lane
// vectors; here they use 16 or 8. Same formulas as the Swift kernels (MailroomTransformer/Kernels.swift): erf by
// the rational approximation on [-4, 4] (max error ~2e-7), e^x by Cephes' range reduction and polynomial.
#include "kernels_internal.h"
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))
#define T256 __attribute__((target("avx2,fma")))

// ---- plain C --------------------------------------------------------------------------------------------------

static inline float erf_c(float a) {
    float x = a < -4.f ? -4.f : (a > 4.f ? 4.f : a), x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p + -2.10102402082508e-06f;
    p = x2 * p + -5.69250639462346e-05f;
    p = x2 * p + -7.34990630326855e-04f;
    p = x2 * p + -2.95459980854025e-03f;
    p = x2 * p + -1.60960333262415e-02f;
    p = x * p;
    float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
    q = x2 * q + -1.68282697438203e-03f;
    q = x2 * q + -7.37332916720468e-03f;
    q = x2 * q + -1.42647390514189e-02f;
    return p / q;
}

static inline float exp_c(float a) {
    float x = a < -87.3f ? -87.3f : (a > 88.3f ? 88.3f : a);
    const float magic = 12582912.f;
    float t = x * 1.44269504088896341f + magic, n = t - magic;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1;
    union { float f; int32_t i; } u = {t}, m = {magic}, s;
    s.i = (u.i - m.i + 127) << 23;
    return y * s.f;
}

static void gelu_c(float *x, const float *bias, int N, int M) {
    for (int n = 0; n < N; n++) {
        float *row = x + (size_t)n * M;
        for (int i = 0; i < M; i++) {
            float v = row[i] + (bias ? bias[i] : 0.f);
            row[i] = 0.5f * v * (1 + erf_c(v * 0.70710678118654752f));
        }
    }
}

static void softmax_c(float *x, int N, int M, int ld) {
    for (int n = 0; n < N; n++) {
        float *row = x + (size_t)n * ld, m = -3.402823466e38f, s = 0;
        for (int i = 0; i < M; i++) m = row[i] > m ? row[i] : m;
        for (int i = 0; i < M; i++) { row[i] = exp_c(row[i] - m); s += row[i]; }
        float inv = 1 / s;
        for (int i = 0; i < M; i++) row[i] *= inv;
    }
}

// ---- AVX-512 --------------------------------------------------------------------------------------------------

static inline T512 __m512 erf_512(__m512 a) {
    __m512 x = _mm512_min_ps(_mm512_max_ps(a, _mm512_set1_ps(-4.f)), _mm512_set1_ps(4.f)), x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
    // p / q with a reciprocal estimate and one Newton step (~23 bits; q lies in [-2.4, -0.014], far from 0): a division
    // per lane was a third of this pass's time.
    __m512 r = _mm512_rcp14_ps(q);
    r = _mm512_mul_ps(r, _mm512_fnmadd_ps(q, r, _mm512_set1_ps(2.f)));
    return _mm512_mul_ps(p, r);
}

static inline T512 __m512 exp_512(__m512 a) {
    __m512 x = _mm512_min_ps(_mm512_max_ps(a, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    const __m512 magic = _mm512_set1_ps(12582912.f);
    __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), magic), n = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_castps_si512(magic)),
                                                   _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

static T512 void gelu_512(float *x, const float *bias, int N, int M) {
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.f), k = _mm512_set1_ps(0.70710678118654752f);
    for (int n = 0; n < N; n++) {
        float *row = x + (size_t)n * M;
        for (int i = 0; i < M; i += 16) {
            __mmask16 m = M - i >= 16 ? 0xffff : (__mmask16)((1u << (M - i)) - 1);
            __m512 v = _mm512_maskz_loadu_ps(m, row + i);
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + i));
            __m512 g = _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf_512(_mm512_mul_ps(v, k))));
            _mm512_mask_storeu_ps(row + i, m, g);
        }
    }
}

static T512 void softmax_512(float *x, int N, int M, int ld) {
    for (int n = 0; n < N; n++) {
        float *row = x + (size_t)n * ld;
        __m512 mx = _mm512_set1_ps(-3.402823466e38f);
        for (int i = 0; i < M; i += 16) {
            __mmask16 m = M - i >= 16 ? 0xffff : (__mmask16)((1u << (M - i)) - 1);
            mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, row + i));
        }
        __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(mx)), acc = _mm512_setzero_ps();
        for (int i = 0; i < M; i += 16) {
            __mmask16 m = M - i >= 16 ? 0xffff : (__mmask16)((1u << (M - i)) - 1);
            __m512 e = exp_512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row + i), mv));
            _mm512_mask_storeu_ps(row + i, m, e);
            acc = _mm512_mask_add_ps(acc, m, acc, e);
        }
        __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(acc));
        for (int i = 0; i < M; i += 16) {
            __mmask16 m = M - i >= 16 ? 0xffff : (__mmask16)((1u << (M - i)) - 1);
            _mm512_mask_storeu_ps(row + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + i), inv));
        }
    }
}

// ---- AVX2 + FMA -----------------------------------------------------------------------------------------------

static inline T256 __m256 erf_256(__m256 a) {
    __m256 x = _mm256_min_ps(_mm256_max_ps(a, _mm256_set1_ps(-4.f)), _mm256_set1_ps(4.f)), x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-2.72614225801306e-10f), _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-1.60960333262415e-02f));
    p = _mm256_mul_ps(x, p);
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(-1.45660718464996e-05f), _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.42647390514189e-02f));
    __m256 r = _mm256_rcp_ps(q);  // as erf_512: an estimate (12 bits) and one Newton step (~22 bits)
    r = _mm256_mul_ps(r, _mm256_fnmadd_ps(q, r, _mm256_set1_ps(2.f)));
    return _mm256_mul_ps(p, r);
}

static inline T256 __m256 exp_256(__m256 a) {
    __m256 x = _mm256_min_ps(_mm256_max_ps(a, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    const __m256 magic = _mm256_set1_ps(12582912.f);
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic), n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x));
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(magic)),
                                                   _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static inline T256 __m256i tail_mask_256(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static T256 void gelu_256(float *x, const float *bias, int N, int M) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.f), k = _mm256_set1_ps(0.70710678118654752f);
    for (int n = 0; n < N; n++) {
        float *row = x + (size_t)n * M;
        for (int i = 0; i < M; i += 8) {
            __m256i m = tail_mask_256(M - i);
            __m256 v = _mm256_maskload_ps(row + i, m);
            if (bias) v = _mm256_add_ps(v, _mm256_maskload_ps(bias + i, m));
            __m256 g = _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, erf_256(_mm256_mul_ps(v, k))));
            _mm256_maskstore_ps(row + i, m, g);
        }
    }
}

static inline T256 float hsum_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

static inline T256 float hmax_256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_shuffle_ps(s, s, 1)));
}

static T256 void softmax_256(float *x, int N, int M, int ld) {
    const __m256 lowest = _mm256_set1_ps(-3.402823466e38f);
    for (int n = 0; n < N; n++) {
        float *row = x + (size_t)n * ld;
        __m256 mx = lowest;
        for (int i = 0; i < M; i += 8) {
            __m256i m = tail_mask_256(M - i);
            mx = _mm256_max_ps(mx, _mm256_blendv_ps(lowest, _mm256_maskload_ps(row + i, m), _mm256_castsi256_ps(m)));
        }
        __m256 mv = _mm256_set1_ps(hmax_256(mx)), acc = _mm256_setzero_ps();
        for (int i = 0; i < M; i += 8) {
            __m256i m = tail_mask_256(M - i);
            __m256 e = _mm256_and_ps(exp_256(_mm256_sub_ps(_mm256_maskload_ps(row + i, m), mv)), _mm256_castsi256_ps(m));
            _mm256_maskstore_ps(row + i, m, e);
            acc = _mm256_add_ps(acc, e);
        }
        __m256 inv = _mm256_set1_ps(1.f / hsum_256(acc));
        for (int i = 0; i < M; i += 8) {
            __m256i m = tail_mask_256(M - i);
            _mm256_maskstore_ps(row + i, m, _mm256_mul_ps(_mm256_maskload_ps(row + i, m), inv));
        }
    }
}

// ---- dispatch -------------------------------------------------------------------------------------------------

/// The width to run: `width` if this CPU has it (16, 8 or 1), else the widest it has.
static int pick(int width) {
    int best = mr_vector_width();
    return width == 1 || (width == 8 && best >= 8) || (width == 16 && best == 16) ? width : best;
}

void mr_bias_gelu_rows(float *x, const float *bias, int N, int M, int width) {
    if (N <= 0 || M <= 0) return;
    int w = pick(width);
    if (w == 16) gelu_512(x, bias, N, M);
    else if (w == 8) gelu_256(x, bias, N, M);
    else gelu_c(x, bias, N, M);
}

void mr_softmax_rows(float *x, int N, int M, int ld, int width) {
    if (N <= 0 || M <= 0) return;
    int w = pick(width);
    if (w == 16) softmax_512(x, N, M, ld);
    else if (w == 8) softmax_256(x, N, M, ld);
    else softmax_c(x, N, M, ld);
}
