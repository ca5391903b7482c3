// int8 GEMM on AVX2: vpmaddubsw(u8 activations + 128, s8 weights) then vpmaddwd with ones. The weights of this
// path are quantized to [-63, 63] (mr_path_weight_max), so a pair of products is at most 2 · 255 · 63 = 32130 and
// the int16 step never saturates (ONNX Runtime's reduce_range makes the same trade). The +128 offset is taken
// back with the column sums, as on the VNNI paths. 6 rows × 16 columns per tile (12 of the 16 ymm registers as
// accumulators).
#include "kernels_internal.h"
#include <immintrin.h>

#define TAVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

INLINE TAVX2 void tile(const int MR, const uint8_t *a, const float *ascale, int KP, const int8_t *blk,
                       const int32_t *colsum, const float *wscale, int m, int m1, float *out, int ldo, int accumulate) {
    __m256i acc[6][2];
    const __m256i ones = _mm256_set1_epi16(1);
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (int g = 0; g < KP / 4; g++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(blk + (size_t)g * 64));
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(blk + (size_t)g * 64 + 32));
        for (int r = 0; r < MR; r++) {
            __m256i av = _mm256_set1_epi32(*(const int32_t *)(a + (size_t)r * KP + 4 * g));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(av, w0), ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(av, w1), ones));
        }
    }
    int valid = m1 - m < 16 ? m1 - m : 16;
    for (int h = 0; h < 2; h++) {
        int cols = valid - 8 * h;
        if (cols <= 0) break;
        int c = cols < 8 ? cols : 8;
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256i corr = _mm256_slli_epi32(_mm256_maskload_epi32(colsum + m + 8 * h, mask), 7);
        __m256 ws = _mm256_maskload_ps(wscale + m + 8 * h, mask);
        for (int r = 0; r < MR; r++) {
            __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[r][h], corr));
            v = _mm256_mul_ps(v, _mm256_mul_ps(_mm256_set1_ps(ascale[r]), ws));
            float *o = out + (size_t)r * ldo + m + 8 * h;
            if (accumulate) v = _mm256_add_ps(v, _mm256_maskload_ps(o, mask));
            _mm256_maskstore_ps(o, mask, v);
        }
    }
}

TAVX2 void mr_s8_gemm_avx2(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                           const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo,
                           int accumulate) {
    const int chunk = 96;
    const size_t bs = mr_s8_block_stride(KP);
    for (int n0 = 0; n0 < N; n0 += chunk) {
        int n1 = n0 + chunk < N ? n0 + chunk : N;
        for (int m = m0; m < m1; m += 16) {
            const int8_t *blk = packed + (size_t)(m / 16) * bs;
            for (int r = n0; r < n1; r += 6) {
                const uint8_t *ar = a + (size_t)r * KP;
                float *o = out + (size_t)r * ldo;
                switch (n1 - r < 6 ? n1 - r : 6) {
                case 6: tile(6, ar, ascale + r, KP, blk, colsum, wscale, m, m1, o, ldo, accumulate); break;
                case 5: tile(5, ar, ascale + r, KP, blk, colsum, wscale, m, m1, o, ldo, accumulate); break;
                case 4: tile(4, ar, ascale + r, KP, blk, colsum, wscale, m, m1, o, ldo, accumulate); break;
                case 3: tile(3, ar, ascale + r, KP, blk, colsum, wscale, m, m1, o, ldo, accumulate); break;
                case 2: tile(2, ar, ascale + r, KP, blk, colsum, wscale, m, m1, o, ldo, accumulate); break;
                default: tile(1, ar, ascale + r, KP, blk, colsum, wscale, m, m1, o, ldo, accumulate); break;
                }
            }
        }
    }
}
