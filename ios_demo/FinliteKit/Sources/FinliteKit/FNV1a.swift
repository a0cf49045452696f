/// 32-bit FNV-1a (offset basis 2166136261, prime 16777619), as `finlite.text/1` §3.5 specifies.
public enum FNV1a {
    public static let offsetBasis: UInt32 = 0x811C_9DC5
    public static let prime: UInt32 = 0x0100_0193

    /// Hash of a byte sequence (for features: their UTF-8 bytes).
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var h = offsetBasis
        for b in bytes {
            h = (h ^ UInt32(b)) &* prime
        }
        return h
    }

    /// Feature id in `1 ..< buckets` (0 is padding): `1 + hash(utf8) mod (buckets - 1)`, unsigned.
    public static func featureId(_ feature: String, buckets: Int) -> Int32 {
        Int32(1 + hash(feature.utf8) % UInt32(buckets - 1))
    }
}
