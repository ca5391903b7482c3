// int8 GEMM on AVX-512 VNNI: vpdpbusd (unsigned activations + 128 × signed weights → int32), 4 rows × 64 columns
// per tile (16 zmm accumulators), the +128 offset taken back with the weights' column sums in the epilogue.
#include "kernels_internal.h"
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

/// One tile: rows r0 … r0+MR-1, column blocks b0 … b0+NB-1 (16 columns each), the whole K.
INLINE T512 void tile(const int MR, const int NB, const uint8_t *a, const float *ascale, int KP, const int8_t *packed,
                      const int32_t *colsum, const float *wscale, int b0, int m1, float *out, int ldo, int accumulate) {
    __m512i acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NB; j++) acc[r][j] = _mm512_setzero_si512();
    const size_t bs = mr_s8_block_stride(KP);
    const int8_t *w = packed + (size_t)b0 * bs;
    for (int g = 0; g < KP / 4; g++) {
        __m512i wv[4];
        for (int j = 0; j < NB; j++) wv[j] = _mm512_loadu_si512((const void *)(w + j * bs + (size_t)g * 64));
        for (int r = 0; r < MR; r++) {
            // the 4 activations a[r, 4g … 4g+3] in every lane
            __m512i av = _mm512_set1_epi32(*(const int32_t *)(a + (size_t)r * KP + 4 * g));
            for (int j = 0; j < NB; j++) acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], av, wv[j]);
        }
    }
    for (int j = 0; j < NB; j++) {
        int m = 16 * (b0 + j), valid = m1 - m < 16 ? m1 - m : 16;
        __mmask16 k = (__mmask16)((1u << valid) - 1);
        // correction: Σ (q + 128) w = Σ q w + 128 Σ w
        __m512i corr = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(k, colsum + m), 7);
        __m512 ws = _mm512_maskz_loadu_ps(k, wscale + m);
        for (int r = 0; r < MR; r++) {
            __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][j], corr));
            v = _mm512_mul_ps(v, _mm512_mul_ps(_mm512_set1_ps(ascale[r]), ws));
            float *o = out + (size_t)r * ldo + m;
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, o));
            _mm512_mask_storeu_ps(o, k, v);
        }
    }
}

#define TILE_ROWS(MR)                                                                                      \
    switch (nb) {                                                                                          \
    case 4: tile(MR, 4, ar, as, KP, packed, colsum, wscale, b, m1, o, ldo, accumulate); break;            \
    case 3: tile(MR, 3, ar, as, KP, packed, colsum, wscale, b, m1, o, ldo, accumulate); break;            \
    case 2: tile(MR, 2, ar, as, KP, packed, colsum, wscale, b, m1, o, ldo, accumulate); break;            \
    default: tile(MR, 1, ar, as, KP, packed, colsum, wscale, b, m1, o, ldo, accumulate); break;           \
    }

T512 void mr_s8_gemm_avx512_vnni(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                                 const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo,
                                 int accumulate) {
    const int chunk = 128;  // rows whose activations stay in L2 while the weights stream past
    int b1 = (m1 + 15) / 16;
    for (int n0 = 0; n0 < N; n0 += chunk) {
        int n1 = n0 + chunk < N ? n0 + chunk : N;
        for (int b = m0 / 16; b < b1; b += 4) {
            int nb = b1 - b < 4 ? b1 - b : 4;
            for (int r = n0; r < n1; r += 4) {
                const uint8_t *ar = a + (size_t)r * KP;
                const float *as = ascale + r;
                float *o = out + (size_t)r * ldo;
                switch (n1 - r < 4 ? n1 - r : 4) {
                case 4: TILE_ROWS(4) break;
                case 3: TILE_ROWS(3) break;
                case 2: TILE_ROWS(2) break;
                default: TILE_ROWS(1) break;
                }
            }
        }
    }
}

// ---- activation quantization (AVX-512) ---------------------------------------------------------------------------

T512 float mr_s8_row_scale_avx512(const float *row, int K, float fixed) {
    if (fixed > 0) return fixed;
    __m512 mx = _mm512_setzero_ps();
    int k = 0;
    for (; k + 16 <= K; k += 16) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_loadu_ps(row + k)));
    if (k < K) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_maskz_loadu_ps((__mmask16)((1u << (K - k)) - 1), row + k)));
    float m = _mm512_reduce_max_ps(mx);
    return m > 0 ? m / 127.0f : 1.0f;
}

T512 void mr_s8_quantize_row_avx512(const float *row, int K, float inv, uint8_t zero, uint8_t *out) {
    const __m512 iv = _mm512_set1_ps(inv), hi = _mm512_set1_ps(127.0f), lo = _mm512_set1_ps(-127.0f);
    const __m512i z = _mm512_set1_epi32(zero);
    int k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_loadu_ps(row + k), iv), lo), hi);
        __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), z);  // round half to even (MXCSR default)
        _mm_storeu_si128((__m128i *)(out + k), _mm512_cvtepi32_epi8(q));
    }
    mr_s8_quantize_row_scalar(row + k, K - k, inv, zero, out + k);
}
