// CPU features: which kernel paths this CPU and OS can run (cpuid leaves 1 and 7, XCR0, Linux AMX permission).
#include "kernels_internal.h"
#include <cpuid.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/// Linux keeps AMX tile data off until a process asks (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA = 18).
static int request_amx(void) {
#ifdef SYS_arch_prctl
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#else
    return 0;
#endif
}

enum { F_AVX2 = 1, F_AVX_VNNI = 2, F_AVX512 = 4, F_AVX512_VNNI = 8, F_AVX512_BF16 = 16, F_AMX_INT8 = 32,
       F_AMX_BF16 = 64, F_DONE = 1 << 30 };
static _Atomic int features = 0;

static int detect(void) {
    int f = atomic_load(&features);
    if (f & F_DONE) return f;
    f = F_DONE;
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27)) && (c & (1u << 12))) {  // OSXSAVE, FMA
        uint64_t x = xcr0();
        unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0, t;
        if (__get_cpuid_count(7, 0, &t, &b7, &c7, &d7)) __get_cpuid_count(7, 1, &a71, &t, &t, &t);
        int ymm = (x & 0x6) == 0x6, zmm = (x & 0xe6) == 0xe6, tiles = (x & 0x60000) == 0x60000;
        if (ymm && (b7 & (1u << 5))) f |= F_AVX2;
        if ((f & F_AVX2) && (a71 & (1u << 4))) f |= F_AVX_VNNI;
        if (zmm && (b7 & (1u << 16)) && (b7 & (1u << 30)) && (b7 & (1u << 31)) && (b7 & (1u << 17))) f |= F_AVX512;
        if ((f & F_AVX512) && (c7 & (1u << 11))) f |= F_AVX512_VNNI;
        if ((f & F_AVX512) && (a71 & (1u << 5))) f |= F_AVX512_BF16;
        if ((f & F_AVX512) && tiles && (d7 & (1u << 24)) && request_amx()) {
            if (d7 & (1u << 25)) f |= F_AMX_INT8;
            if (d7 & (1u << 22)) f |= F_AMX_BF16;
        }
    }
    atomic_store(&features, f);
    return f;
}

int mr_vector_width(void) {
    int f = detect();
    int best = (f & F_AVX512) ? 16 : (f & F_AVX2) ? 8 : 1;
    // MAILROOM_VECTOR_WIDTH=8 or 1 narrows it (to measure what an AVX2-only or older CPU would run); wider is ignored.
    const char *env = getenv("MAILROOM_VECTOR_WIDTH");
    int want = env ? atoi(env) : 0;
    return (want == 8 || want == 1) && want < best ? want : best;
}

int mr_path_supported(mr_path path) {
    int f = detect();
    switch (path) {
    case MR_PATH_REFERENCE: return 1;
    case MR_PATH_AVX2: return (f & F_AVX2) != 0;
    case MR_PATH_AVX_VNNI: return (f & F_AVX_VNNI) != 0;
    case MR_PATH_AVX512_VNNI: return (f & F_AVX512_VNNI) != 0;
    case MR_PATH_AMX_INT8: return (f & F_AMX_INT8) != 0;
    case MR_PATH_AVX512_BF16: return (f & F_AVX512_BF16) != 0;
    case MR_PATH_AMX_BF16: return (f & F_AMX_BF16) != 0;
    default: return 0;
    }
}

const char *mr_path_name(mr_path path) {
    switch (path) {
    case MR_PATH_REFERENCE: return "reference";
    case MR_PATH_AVX2: return "avx2";
    case MR_PATH_AVX_VNNI: return "avx-vnni";
    case MR_PATH_AVX512_VNNI: return "avx512-vnni";
    case MR_PATH_AMX_INT8: return "amx-int8";
    case MR_PATH_AVX512_BF16: return "avx512-bf16";
    case MR_PATH_AMX_BF16: return "amx-bf16";
    default: return "unknown";
    }
}

int mr_path_is_int8(mr_path path) { return path <= MR_PATH_AMX_INT8; }

int mr_path_unsigned_activations(mr_path path) {
    return path == MR_PATH_AVX2 || path == MR_PATH_AVX_VNNI || path == MR_PATH_AVX512_VNNI || path == MR_PATH_AMX_INT8;
}

int mr_path_weight_max(mr_path path) {
    return path == MR_PATH_AVX2 ? 63 : 127;
}
