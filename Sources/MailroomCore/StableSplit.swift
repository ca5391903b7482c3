// StableSplit: a number and a split fixed by an email id alone, the same in every process and on every machine
// (retraining splits, shadow sampling).

/// A split that depends only on the id, identical across runs, processes and machines.
public enum StableSplit {
    /// 64-bit FNV-1a of the id's UTF-8 bytes (Swift's `Hasher` is seeded per process, so unusable here).
    public static func hash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// A number in [0, 1) fixed by the id: FNV-1a, then MurmurHash3's 64-bit finalizer, because FNV-1a
    /// alone barely moves its high bits for ids that differ only in the last characters (`mail-1`, `mail-2`).
    public static func unit(_ id: String) -> Double {
        var h = hash(id)
        h ^= h >> 33; h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33; h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Double(h >> 11) / Double(UInt64(1) << 53)  // top 53 bits: exact in a Double
    }

    /// `validation` when ``unit(_:)`` of the id is below `validationFraction`, else `train`.
    public static func split(id: String, validationFraction: Double) -> String {
        unit(id) < validationFraction ? "validation" : "train"
    }
}
