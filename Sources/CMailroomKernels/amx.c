// int8 and bf16 GEMM on AMX tiles: 32 rows × 32 columns per step (C tiles 0-3, A tiles 4-5, B tiles 6-7), the
// packed weights' 16-column blocks read directly as B tiles (16 rows of 64 bytes). A tail of fewer than 16 rows is
// copied once per call into a zero-padded 16-row buffer. The epilogue (offset correction, scales) is AVX-512.
#include "kernels_internal.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define TAMX __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,amx-tile,amx-int8,amx-bf16")))

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

TAMX static void configure(void) {
    tile_config c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) { c.rows[t] = 16; c.colsb[t] = 64; }
    _tile_loadconfig(&c);
}

/// The rows r … r+15 of `a` (row stride `lda` bytes) or, for the tail, the padded copy.
static inline const uint8_t *rows_at(const uint8_t *a, size_t lda, int r, int tail_start, const uint8_t *tail) {
    return r >= tail_start ? tail : a + (size_t)r * lda;
}

/// Copies the last N % 16 rows into a 16-row buffer (zero rows after them); NULL when N % 16 == 0 or on no memory.
static uint8_t *padded_tail(const uint8_t *a, size_t lda, int N, int *tail_start, int *failed) {
    *tail_start = N - N % 16;
    *failed = 0;
    if (N % 16 == 0) { *tail_start = N; return NULL; }
    uint8_t *t = calloc(16, lda);
    if (!t) { *failed = 1; return NULL; }
    memcpy(t, a + (size_t)*tail_start * lda, (size_t)(N % 16) * lda);
    return t;
}

// ---- int8 -------------------------------------------------------------------------------------------------------

TAMX static void s8_epilogue(const int32_t *c, int rows, int m, int m1, const float *ascale, const int32_t *colsum,
                             const float *wscale, float *out, int ldo, int accumulate) {
    int valid = m1 - m < 16 ? m1 - m : 16;
    if (valid <= 0 || rows <= 0) return;
    __mmask16 k = (__mmask16)((1u << valid) - 1);
    __m512i corr = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(k, colsum + m), 7);
    __m512 ws = _mm512_maskz_loadu_ps(k, wscale + m);
    for (int r = 0; r < rows; r++) {
        __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_loadu_si512(c + 16 * r), corr));
        v = _mm512_mul_ps(v, _mm512_mul_ps(_mm512_set1_ps(ascale[r]), ws));
        float *o = out + (size_t)r * ldo + m;
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, o));
        _mm512_mask_storeu_ps(o, k, v);
    }
}

TAMX int mr_s8_gemm_amx(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                        const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo,
                        int accumulate) {
    int tail_start, failed;
    uint8_t *tail = padded_tail(a, (size_t)KP, N, &tail_start, &failed);
    if (failed) return -1;
    configure();
    const size_t bs = mr_s8_block_stride(KP);
    const int chunk = 256, b1 = (m1 + 15) / 16;
    int32_t c[4][256];
    for (int n0 = 0; n0 < N; n0 += chunk) {
        int n1 = n0 + chunk < N ? n0 + chunk : N;
        for (int b = m0 / 16; b < b1; b += 2) {
            int two = b + 1 < b1;
            const int8_t *w0 = packed + (size_t)b * bs, *w1 = two ? w0 + bs : w0;
            for (int r = n0; r < n1; r += 32) {
                int rows0 = n1 - r < 16 ? n1 - r : 16, rows1 = n1 - r - 16 < 16 ? n1 - r - 16 : 16;
                const uint8_t *a0 = rows_at(a, KP, r, tail_start, tail);
                const uint8_t *a1 = rows1 > 0 ? rows_at(a, KP, r + 16, tail_start, tail) : a0;
                _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
                for (int k0 = 0; k0 < KP; k0 += 64) {
                    _tile_loadd(4, a0 + k0, KP);
                    _tile_loadd(5, a1 + k0, KP);
                    _tile_loadd(6, w0 + (size_t)k0 * 16, 64);
                    _tile_loadd(7, w1 + (size_t)k0 * 16, 64);
                    _tile_dpbusd(0, 4, 6); _tile_dpbusd(1, 4, 7);
                    _tile_dpbusd(2, 5, 6); _tile_dpbusd(3, 5, 7);
                }
                _tile_stored(0, c[0], 64); _tile_stored(1, c[1], 64);
                _tile_stored(2, c[2], 64); _tile_stored(3, c[3], 64);
                float *o = out + (size_t)r * ldo;
                s8_epilogue(c[0], rows0, 16 * b, m1, ascale + r, colsum, wscale, o, ldo, accumulate);
                if (two) s8_epilogue(c[1], rows0, 16 * b + 16, m1, ascale + r, colsum, wscale, o, ldo, accumulate);
                if (rows1 > 0) {
                    o += (size_t)16 * ldo;
                    s8_epilogue(c[2], rows1, 16 * b, m1, ascale + r + 16, colsum, wscale, o, ldo, accumulate);
                    if (two) s8_epilogue(c[3], rows1, 16 * b + 16, m1, ascale + r + 16, colsum, wscale, o, ldo, accumulate);
                }
            }
        }
    }
    _tile_release();
    free(tail);
    return 0;
}

// ---- bf16 -------------------------------------------------------------------------------------------------------

TAMX static void f32_epilogue(const float *c, int rows, int m, int m1, float *out, int ldo, int accumulate) {
    int valid = m1 - m < 16 ? m1 - m : 16;
    if (valid <= 0 || rows <= 0) return;
    __mmask16 k = (__mmask16)((1u << valid) - 1);
    for (int r = 0; r < rows; r++) {
        __m512 v = _mm512_loadu_ps(c + 16 * r);
        float *o = out + (size_t)r * ldo + m;
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, o));
        _mm512_mask_storeu_ps(o, k, v);
    }
}

TAMX int mr_bf16_gemm_amx(const uint16_t *a, int N, int KP, const uint16_t *packed, int m0, int m1, float *out,
                          int ldo, int accumulate) {
    int tail_start, failed;
    size_t lda = (size_t)KP * 2;
    uint8_t *tail = padded_tail((const uint8_t *)a, lda, N, &tail_start, &failed);
    if (failed) return -1;
    configure();
    const size_t bs = mr_bf16_block_stride(KP);
    const int chunk = 128, b1 = (m1 + 15) / 16;
    float c[4][256];
    for (int n0 = 0; n0 < N; n0 += chunk) {
        int n1 = n0 + chunk < N ? n0 + chunk : N;
        for (int b = m0 / 16; b < b1; b += 2) {
            int two = b + 1 < b1;
            const uint16_t *w0 = packed + (size_t)b * bs, *w1 = two ? w0 + bs : w0;
            for (int r = n0; r < n1; r += 32) {
                int rows0 = n1 - r < 16 ? n1 - r : 16, rows1 = n1 - r - 16 < 16 ? n1 - r - 16 : 16;
                const uint8_t *a0 = rows_at((const uint8_t *)a, lda, r, tail_start, tail);
                const uint8_t *a1 = rows1 > 0 ? rows_at((const uint8_t *)a, lda, r + 16, tail_start, tail) : a0;
                _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
                for (int k0 = 0; k0 < KP; k0 += 32) {
                    _tile_loadd(4, a0 + (size_t)k0 * 2, lda);
                    _tile_loadd(5, a1 + (size_t)k0 * 2, lda);
                    _tile_loadd(6, w0 + (size_t)k0 * 16, 64);  // rows k0/2 … of 32 uint16
                    _tile_loadd(7, w1 + (size_t)k0 * 16, 64);
                    _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7);
                    _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
                }
                _tile_stored(0, c[0], 64); _tile_stored(1, c[1], 64);
                _tile_stored(2, c[2], 64); _tile_stored(3, c[3], 64);
                float *o = out + (size_t)r * ldo;
                f32_epilogue(c[0], rows0, 16 * b, m1, o, ldo, accumulate);
                if (two) f32_epilogue(c[1], rows0, 16 * b + 16, m1, o, ldo, accumulate);
                if (rows1 > 0) {
                    o += (size_t)16 * ldo;
                    f32_epilogue(c[2], rows1, 16 * b, m1, o, ldo, accumulate);
                    if (two) f32_epilogue(c[3], rows1, 16 * b + 16, m1, o, ldo, accumulate);
                }
            }
        }
    }
    _tile_release();
    free(tail);
    return 0;
}
