// Packing, activation quantization, the plain-C reference kernels, and the dispatch by path.
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

static int round_up(int x, int m) { return (x + m - 1) / m * m; }

// ---- int8 -------------------------------------------------------------------------------------------------------

int mr_s8_padded_k(int K) { return round_up(K, MR_S8_KP); }

size_t mr_s8_packed_bytes(int M, int K) { return (size_t)round_up(M, 16) * (size_t)mr_s8_padded_k(K); }

void mr_s8_pack(const int8_t *w, int M, int K, int8_t *packed, int32_t *colsum) {
    int KP = mr_s8_padded_k(K), blocks = round_up(M, 16) / 16;
    memset(packed, 0, mr_s8_packed_bytes(M, K));
    for (int b = 0; b < blocks; b++) {
        int8_t *blk = packed + (size_t)b * mr_s8_block_stride(KP);
        for (int l = 0; l < 16; l++) {
            int m = 16 * b + l;
            if (m >= M) break;
            const int8_t *row = w + (size_t)m * K;
            int32_t s = 0;
            // blk[g · 64 + l · 4 + j] = w[m, 4g + j]
            for (int k = 0; k < K; k++) { blk[(k / 4) * 64 + l * 4 + (k % 4)] = row[k]; s += row[k]; }
            colsum[m] = s;
        }
    }
}

/// The scale of one row: `fixed` when positive, else max|x| / 127 (1 for an all-zero row).
static float row_scale(const float *row, int K, float fixed) {
    if (fixed > 0) return fixed;
    float mx = 0;
    for (int k = 0; k < K; k++) { float v = fabsf(row[k]); mx = v > mx ? v : mx; }
    return mx > 0 ? mx / 127.0f : 1.0f;
}

void mr_s8_quantize_row_scalar(const float *row, int K, float inv, uint8_t zero, uint8_t *out) {
    for (int k = 0; k < K; k++) {
        float v = row[k] * inv;
        v = v > 127.0f ? 127.0f : (v < -127.0f ? -127.0f : v);
        out[k] = (uint8_t)(int8_t)(int)nearbyintf(v) + zero;  // wraps to q + 128 in [1, 255] with the offset
    }
}

void mr_s8_quantize_rows(const float *x, int N, int K, int ldx, float fixed_scale, int offset, uint8_t *q,
                         float *scale) {
    int KP = mr_s8_padded_k(K);
    uint8_t zero = offset ? 128 : 0;
    int wide = mr_path_supported(MR_PATH_AVX512_VNNI);
    for (int n = 0; n < N; n++) {
        const float *row = x + (size_t)n * ldx;
        float s = wide ? mr_s8_row_scale_avx512(row, K, fixed_scale) : row_scale(row, K, fixed_scale);
        uint8_t *out = q + (size_t)n * KP;
        // The same arithmetic on every path (multiply, clamp, round half to even), so every path gets the same q.
        if (wide) mr_s8_quantize_row_avx512(row, K, 1.0f / s, zero, out);
        else mr_s8_quantize_row_scalar(row, K, 1.0f / s, zero, out);
        memset(out + K, zero, (size_t)(KP - K));
        scale[n] = s;
    }
}

void mr_s8_gemm_reference(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                          const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo,
                          int accumulate, int offset) {
    for (int n = 0; n < N; n++) {
        const uint8_t *ar = a + (size_t)n * KP;
        for (int m = m0; m < m1; m++) {
            const int8_t *blk = packed + (size_t)(m / 16) * mr_s8_block_stride(KP);
            int l = m % 16;
            int32_t acc = 0;
            for (int k = 0; k < KP; k++) {
                int av = offset ? (int)ar[k] : (int)(int8_t)ar[k];
                acc += av * (int)blk[(k / 4) * 64 + l * 4 + (k % 4)];
            }
            if (offset) acc -= 128 * colsum[m];
            float v = (float)acc * (ascale[n] * wscale[m]);
            float *o = out + (size_t)n * ldo + m;
            *o = accumulate ? *o + v : v;
        }
    }
}

int mr_s8_gemm(mr_path path, const uint8_t *a, const float *ascale, int N, int K, const int8_t *packed,
               const int32_t *colsum, const float *wscale, int M, int m0, int m1, float *out, int ldo,
               int accumulate) {
    if (!mr_path_is_int8(path) || !mr_path_supported(path) || m0 % 16 != 0 || m0 < 0 || m1 > M || N < 0) return -1;
    if (N == 0 || m1 <= m0) return 0;
    int KP = mr_s8_padded_k(K);
    switch (path) {
    case MR_PATH_REFERENCE:
        mr_s8_gemm_reference(a, ascale, N, KP, packed, colsum, wscale, m0, m1, out, ldo, accumulate, 0);
        return 0;
    case MR_PATH_AVX2:
        mr_s8_gemm_avx2(a, ascale, N, KP, packed, colsum, wscale, m0, m1, out, ldo, accumulate);
        return 0;
    case MR_PATH_AVX_VNNI:
        mr_s8_gemm_avx_vnni(a, ascale, N, KP, packed, colsum, wscale, m0, m1, out, ldo, accumulate);
        return 0;
    case MR_PATH_AVX512_VNNI:
        mr_s8_gemm_avx512_vnni(a, ascale, N, KP, packed, colsum, wscale, m0, m1, out, ldo, accumulate);
        return 0;
    case MR_PATH_AMX_INT8:
        return mr_s8_gemm_amx(a, ascale, N, KP, packed, colsum, wscale, m0, m1, out, ldo, accumulate);
    default:
        return -1;
    }
}

// ---- bf16 -------------------------------------------------------------------------------------------------------

uint16_t mr_bf16_from_float(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float mr_bf16_to_float(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

int mr_bf16_padded_k(int K) { return round_up(K, MR_BF16_KP); }

size_t mr_bf16_packed_bytes(int M, int K) { return (size_t)round_up(M, 16) * (size_t)mr_bf16_padded_k(K) * 2; }

void mr_bf16_pack(const float *w, int M, int K, uint16_t *packed) {
    int KP = mr_bf16_padded_k(K), blocks = round_up(M, 16) / 16;
    memset(packed, 0, mr_bf16_packed_bytes(M, K));
    for (int b = 0; b < blocks; b++) {
        uint16_t *blk = packed + (size_t)b * mr_bf16_block_stride(KP);
        for (int l = 0; l < 16; l++) {
            int m = 16 * b + l;
            if (m >= M) break;
            // blk[g · 32 + l · 2 + j] = w[m, 2g + j]
            for (int k = 0; k < K; k++) blk[(k / 2) * 32 + l * 2 + (k % 2)] = mr_bf16_from_float(w[(size_t)m * K + k]);
        }
    }
}

void mr_bf16_convert_rows(const float *x, int N, int K, int ldx, uint16_t *out) {
    int KP = mr_bf16_padded_k(K);
    for (int n = 0; n < N; n++) {
        uint16_t *o = out + (size_t)n * KP;
        for (int k = 0; k < K; k++) o[k] = mr_bf16_from_float(x[(size_t)n * ldx + k]);
        memset(o + K, 0, (size_t)(KP - K) * 2);
    }
}

void mr_bf16_gemm_reference(const uint16_t *a, int N, int KP, const uint16_t *packed, int m0, int m1, float *out,
                            int ldo, int accumulate) {
    for (int n = 0; n < N; n++) {
        for (int m = m0; m < m1; m++) {
            const uint16_t *blk = packed + (size_t)(m / 16) * mr_bf16_block_stride(KP);
            int l = m % 16;
            float acc = 0;
            for (int k = 0; k < KP; k++)
                acc += mr_bf16_to_float(a[(size_t)n * KP + k]) * mr_bf16_to_float(blk[(k / 2) * 32 + l * 2 + (k % 2)]);
            float *o = out + (size_t)n * ldo + m;
            *o = accumulate ? *o + acc : acc;
        }
    }
}

int mr_bf16_gemm(mr_path path, const uint16_t *a, int N, int K, const uint16_t *packed, int M, int m0, int m1,
                 float *out, int ldo, int accumulate) {
    if ((path != MR_PATH_REFERENCE && mr_path_is_int8(path)) || !mr_path_supported(path) || m0 % 16 != 0 || m0 < 0 ||
        m1 > M || N < 0)
        return -1;
    if (N == 0 || m1 <= m0) return 0;
    int KP = mr_bf16_padded_k(K);
    switch (path) {
    case MR_PATH_REFERENCE: mr_bf16_gemm_reference(a, N, KP, packed, m0, m1, out, ldo, accumulate); return 0;
    case MR_PATH_AVX512_BF16: mr_bf16_gemm_avx512(a, N, KP, packed, m0, m1, out, ldo, accumulate); return 0;
    case MR_PATH_AMX_BF16: return mr_bf16_gemm_amx(a, N, KP, packed, m0, m1, out, ldo, accumulate);
    default: return -1;
    }
}
