// BLASRuntimeTests: the OpenBLAS kernel suggestion (re-exec with OPENBLAS_CORETYPE) is conservative.
import MailroomTransformer
import Testing

@Suite struct BLASRuntimeTests {
    @Test func noSuggestionWhenSetOrUnknown() {
        // An explicit OPENBLAS_CORETYPE always wins.
        #expect(BLASRuntime.suggestedCoreType(environment: ["OPENBLAS_CORETYPE": "Haswell"],
                                              cpuFlags: ["avx512f", "avx512vl", "avx512bw", "avx512dq"]) == nil)
        // No vector extensions known: nothing better to suggest.
        #expect(BLASRuntime.suggestedCoreType(environment: [:], cpuFlags: ["sse2"]) == nil)
    }

    @Test func suggestionIsNeverWorseThanTheDetectedKernels() {
        let flags: Set<String> = ["avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512_bf16"]
        let s = BLASRuntime.suggestedCoreType(environment: [:], cpuFlags: flags)
        // Either OpenBLAS already runs Cooperlake-class (or unknown-better) kernels, or Cooperlake is suggested.
        #expect(s == nil || s == "Cooperlake", "core \(BLASRuntime.coreName) → \(s ?? "nil")")
        #expect(!BLASRuntime.coreName.isEmpty)
    }
}
