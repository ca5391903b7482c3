// MailroomKernels: Mailroom's own narrow-arithmetic GEMM kernels for the transformer's Linear layers (int8 with
// int32 accumulation, bf16 with fp32 accumulation), one implementation per instruction set, chosen at run time.
//
// Key: N = rows of the activations (tokens), K = input features, M = output features (weight rows, PyTorch's
// (out, in) layout). Every call computes `out (N, M) (+)= a (N, K) · w (M, K)ᵀ`, scaled back to fp32.
//
// Packed weight layout (both schemes, made once at load): output features in blocks of 16, K padded to KP
// (64 for int8, 32 for bf16). Block b holds, for each group g of 4 int8 (or 2 bf16) input features, 16 lanes of
// 4 bytes: lane l = w[16b + l, 4g … 4g+3]. That is the operand layout of AVX-512 `vpdpbusd` / `vdpbf16ps` with the
// activations' group broadcast, and also the B tile of AMX (`tdpbusd` / `tdpbf16ps`: 16 rows of 64 bytes), so one
// packing serves every path.
#ifndef MAILROOM_KERNELS_H
#define MAILROOM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction-set paths. `MR_PATH_REFERENCE` is plain C (the tests' reference; any CPU).
typedef enum {
    MR_PATH_REFERENCE = 0,
    MR_PATH_AVX2 = 1,          // int8: vpmaddubsw + vpmaddwd (7-bit weights, no saturation)
    MR_PATH_AVX_VNNI = 2,      // int8: VEX vpdpbusd on 256-bit registers
    MR_PATH_AVX512_VNNI = 3,   // int8: EVEX vpdpbusd on 512-bit registers
    MR_PATH_AMX_INT8 = 4,      // int8: AMX tdpbusd tiles
    MR_PATH_AVX512_BF16 = 5,   // bf16: vdpbf16ps
    MR_PATH_AMX_BF16 = 6,      // bf16: AMX tdpbf16ps tiles
    MR_PATH_COUNT = 7
} mr_path;

/// 1 when this CPU and OS can run `path` (cpuid, xgetbv, and for AMX the kernel's permission, requested here).
int mr_path_supported(mr_path path);
/// A short name ("avx512-vnni", …), static storage.
const char *mr_path_name(mr_path path);
/// 1 for int8 paths, 0 for bf16 paths.
int mr_path_is_int8(mr_path path);
/// 1 when `path` reads activations offset by +128 (unsigned: AVX2, VNNI and AMX), 0 when signed (reference).
int mr_path_unsigned_activations(mr_path path);
/// The largest |weight| `path`'s packing may hold: 63 for AVX2 (vpmaddubsw adds two u8 × s8 products in int16,
/// which 2 · 255 · 63 cannot overflow), 127 for every other path.
int mr_path_weight_max(mr_path path);

// ---- int8 -------------------------------------------------------------------------------------------------------

/// K rounded up to the int8 packing's multiple (64).
int mr_s8_padded_k(int K);
/// Bytes of the packed weights of an (M, K) matrix.
size_t mr_s8_packed_bytes(int M, int K);
/// Packs `w (M, K)` (row-major int8, values within ±mr_path_weight_max of the path that will read it) into `packed` (mr_s8_packed_bytes) and writes
/// `colsum (M)` = Σ_k w[m, k] (the correction for unsigned activations).
void mr_s8_pack(const int8_t *w, int M, int K, int8_t *packed, int32_t *colsum);

/// Quantizes rows of `x (N, K)` (row stride `ldx`) to int8, symmetric: q = round(x / s) in [-127, 127] with
/// s = max|x| / 127 per row (`fixed_scale` <= 0) or s = `fixed_scale` for every row (static calibration, values
/// beyond it clip). Writes `q (N, KP)` (KP = mr_s8_padded_k(K), padding zero) and `scale (N)`. With `offset`,
/// stores q + 128 (unsigned, for paths with mr_path_unsigned_activations).
void mr_s8_quantize_rows(const float *x, int N, int K, int ldx, float fixed_scale, int offset, uint8_t *q, float *scale);

/// out[n, m] (row stride `ldo`) = (accumulate ? out[n, m] : 0) + ascale[n] · wscale[m] · Σ_k a[n, k] · w[m, k]
/// for n in [0, N), m in [m0, m1), m0 a multiple of 16, m1 <= M. `a` is (N, KP) from mr_s8_quantize_rows with the
/// offset `path` needs. Returns 0, or -1 when `path` is not an int8 path this CPU supports.
int mr_s8_gemm(mr_path path, const uint8_t *a, const float *ascale, int N, int K,
               const int8_t *packed, const int32_t *colsum, const float *wscale, int M,
               int m0, int m1, float *out, int ldo, int accumulate);

// ---- bf16 -------------------------------------------------------------------------------------------------------

/// K rounded up to the bf16 packing's multiple (32).
int mr_bf16_padded_k(int K);
/// Bytes of the packed weights of an (M, K) matrix.
size_t mr_bf16_packed_bytes(int M, int K);
/// Rounds `w (M, K)` (fp32) to bf16 (nearest even) and packs it.
void mr_bf16_pack(const float *w, int M, int K, uint16_t *packed);
/// Rounds rows of `x (N, K)` (row stride `ldx`) to bf16: `out (N, KP)`, padding zero.
void mr_bf16_convert_rows(const float *x, int N, int K, int ldx, uint16_t *out);
/// out[n, m] (+)= Σ_k a[n, k] · w[m, k] (fp32 accumulation) for m in [m0, m1) as in mr_s8_gemm. Returns 0, or -1
/// when `path` is not a bf16 path this CPU supports.
int mr_bf16_gemm(mr_path path, const uint16_t *a, int N, int K, const uint16_t *packed, int M,
                 int m0, int m1, float *out, int ldo, int accumulate);

// ---- elementwise passes (fp32) -----------------------------------------------------------------------------------
/// Floats per vector of the widest elementwise path this CPU has: 16 (AVX-512), 8 (AVX2 + FMA) or 1 (plain C);
/// the environment variable MAILROOM_VECTOR_WIDTH=8 or 1 narrows it.
int mr_vector_width(void);
/// x (N, M) = GELU(x + bias) in place (erf form; `bias` may be NULL). `width` 16, 8 or 1 picks a path (for tests;
/// a width this CPU lacks runs the widest it has), 0 the widest.
void mr_bias_gelu_rows(float *x, const float *bias, int N, int M, int width);
/// Softmax of each of the N rows of x (M values, row stride `ld`) in place. `width` as for mr_bias_gelu_rows.
void mr_softmax_rows(float *x, int N, int M, int ld, int width);

/// fp32 → bf16, round to nearest even (NaN stays NaN).
uint16_t mr_bf16_from_float(float x);
float mr_bf16_to_float(uint16_t b);

#ifdef __cplusplus
}
#endif
#endif
