// The per-path kernels behind mr_s8_gemm / mr_bf16_gemm (each in its own file, compiled for its own target).
#ifndef MAILROOM_KERNELS_INTERNAL_H
#define MAILROOM_KERNELS_INTERNAL_H
#include "MailroomKernels.h"

#define MR_S8_KP 64
#define MR_BF16_KP 32

/// Bytes between two 16-column blocks of packed int8 weights: KP groups of 4 … = KP · 16.
static inline size_t mr_s8_block_stride(int KP) { return (size_t)KP * 16; }
/// uint16 elements between two 16-column blocks of packed bf16 weights: (KP / 2) pairs · 16 lanes · 2 = KP · 16.
static inline size_t mr_bf16_block_stride(int KP) { return (size_t)KP * 16; }

// Each computes the contract of mr_s8_gemm (K already padded: KP) for its instruction set.
void mr_s8_gemm_reference(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                          const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo,
                          int accumulate, int offset);
void mr_s8_gemm_avx2(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                     const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo, int accumulate);
void mr_s8_gemm_avx_vnni(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                         const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo, int accumulate);
void mr_s8_gemm_avx512_vnni(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                            const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo,
                            int accumulate);
int mr_s8_gemm_amx(const uint8_t *a, const float *ascale, int N, int KP, const int8_t *packed,
                   const int32_t *colsum, const float *wscale, int m0, int m1, float *out, int ldo, int accumulate);

void mr_bf16_gemm_reference(const uint16_t *a, int N, int KP, const uint16_t *packed, int m0, int m1, float *out,
                            int ldo, int accumulate);
void mr_bf16_gemm_avx512(const uint16_t *a, int N, int KP, const uint16_t *packed, int m0, int m1, float *out,
                         int ldo, int accumulate);
int mr_bf16_gemm_amx(const uint16_t *a, int N, int KP, const uint16_t *packed, int m0, int m1, float *out, int ldo,
                     int accumulate);

// Activation quantization of one row (see mr_s8_quantize_rows): the scalar loop and its AVX-512 twin, bit-identical.
void mr_s8_quantize_row_scalar(const float *row, int K, float inv, uint8_t zero, uint8_t *out);
void mr_s8_quantize_row_avx512(const float *row, int K, float inv, uint8_t zero, uint8_t *out);
float mr_s8_row_scale_avx512(const float *row, int K, float fixed);
#endif
