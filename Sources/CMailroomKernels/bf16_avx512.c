// bf16 GEMM on AVX512_BF16: vdpbf16ps (pairs of bf16 products accumulated in fp32), 4 rows × 64 columns per tile.
#include "kernels_internal.h"
#include <immintrin.h>

#define TBF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define INLINE static inline __attribute__((always_inline))

INLINE TBF16 void tile(const int MR, const int NB, const uint16_t *a, int KP, const uint16_t *packed, int b0, int m1,
                       float *out, int ldo, int accumulate) {
    __m512 acc[4][4];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NB; j++) acc[r][j] = _mm512_setzero_ps();
    const size_t bs = mr_bf16_block_stride(KP);
    const uint16_t *w = packed + (size_t)b0 * bs;
    for (int g = 0; g < KP / 2; g++) {
        __m512bh wv[4];
        for (int j = 0; j < NB; j++) wv[j] = (__m512bh)_mm512_loadu_si512((const void *)(w + j * bs + (size_t)g * 32));
        for (int r = 0; r < MR; r++) {
            // the 2 activations a[r, 2g], a[r, 2g+1] in every lane
            __m512bh av = (__m512bh)_mm512_set1_epi32(*(const int32_t *)(a + (size_t)r * KP + 2 * g));
            for (int j = 0; j < NB; j++) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], av, wv[j]);
        }
    }
    for (int j = 0; j < NB; j++) {
        int m = 16 * (b0 + j), valid = m1 - m < 16 ? m1 - m : 16;
        __mmask16 k = (__mmask16)((1u << valid) - 1);
        for (int r = 0; r < MR; r++) {
            float *o = out + (size_t)r * ldo + m;
            __m512 v = accumulate ? _mm512_add_ps(acc[r][j], _mm512_maskz_loadu_ps(k, o)) : acc[r][j];
            _mm512_mask_storeu_ps(o, k, v);
        }
    }
}

#define TILE_ROWS(MR)                                                                  \
    switch (nb) {                                                                      \
    case 4: tile(MR, 4, ar, KP, packed, b, m1, o, ldo, accumulate); break;            \
    case 3: tile(MR, 3, ar, KP, packed, b, m1, o, ldo, accumulate); break;            \
    case 2: tile(MR, 2, ar, KP, packed, b, m1, o, ldo, accumulate); break;            \
    default: tile(MR, 1, ar, KP, packed, b, m1, o, ldo, accumulate); break;           \
    }

TBF16 void mr_bf16_gemm_avx512(const uint16_t *a, int N, int KP, const uint16_t *packed, int m0, int m1, float *out,
                               int ldo, int accumulate) {
    const int chunk = 64;
    int b1 = (m1 + 15) / 16;
    for (int n0 = 0; n0 < N; n0 += chunk) {
        int n1 = n0 + chunk < N ? n0 + chunk : N;
        for (int b = m0 / 16; b < b1; b += 4) {
            int nb = b1 - b < 4 ? b1 - b : 4;
            for (int r = n0; r < n1; r += 4) {
                const uint16_t *ar = a + (size_t)r * KP;
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
