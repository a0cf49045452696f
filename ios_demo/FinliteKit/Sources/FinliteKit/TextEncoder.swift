import Foundation

/// The `finlite.text/1` encoder (docs/preprocessing.md): text → `[max_units × max_feats]` int32 ids.
///
/// Works on Unicode scalars (code points) throughout, never on `Character`s (grapheme clusters).
public struct TextEncoder {
    public enum Kind: String { case word, cjk, symbol }

    /// One unit: its kind and its code points.
    public struct Unit: Equatable {
        public let kind: Kind
        public let scalars: [Unicode.Scalar]
        public var string: String { String(String.UnicodeScalarView(scalars)) }
    }

    public let spec: TextSpec

    public init(spec: TextSpec) throws {
        try spec.validate()
        self.spec = spec
    }

    /// Step 1: NFKC, then full lower case with Python's Final_Sigma rule.
    ///
    /// NFKC is computed by its definition, NFC(NFKD(text)): on Linux, swift-corelibs-foundation 6.0's
    /// `precomposedStringWithCompatibilityMapping` leaves halfwidth `ﾄﾞ` as `ト` + U+3099 instead of `ド`
    /// (golden case `ja_halfwidth_katakana`). Where that call is correct (Apple platforms) both agree.
    public static func normalize(_ text: String) -> [Unicode.Scalar] {
        lowercaseFull(text.decomposedStringWithCompatibilityMapping.precomposedStringWithCanonicalMapping)
    }

    /// Full, locale-independent lower case of every scalar, plus the Final_Sigma rule that Python and
    /// Java apply but Swift's `lowercased()` does not (docs/preprocessing.md §3.1).
    static func lowercaseFull(_ s: String) -> [Unicode.Scalar] {
        let u = Array(s.unicodeScalars)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(u.count)
        for (i, c) in u.enumerated() {
            if c.value < 0x80 {  // ASCII fast path
                out.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 0x20)! : c)
            } else if c.value == 0x03A3 {
                out.append(Unicode.Scalar(isFinalSigma(u, at: i) ? 0x03C2 : 0x03C3)!)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// Σ at `i` is final iff a cased scalar precedes it and none follows (case-ignorable ones skipped).
    private static func isFinalSigma(_ u: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && u[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && u[j].properties.isCased else { return false }
        var k = i + 1
        while k < u.count && u[k].properties.isCaseIgnorable { k += 1 }
        return k == u.count || !u[k].properties.isCased
    }

    /// Step 2 class of one code point; `nil` = separator.
    func kind(of c: Unicode.Scalar) -> Kind? {
        let v = c.value
        if v < 0x80 {
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) ? .word : nil
        }
        if Self.contains(spec.cjkRanges, v) { return .cjk }
        if Self.contains(spec.symbolRanges, v) { return .symbol }
        if Self.contains(spec.separatorRanges, v) { return nil }
        return .word
    }

    private static func contains(_ ranges: [[UInt32]], _ v: UInt32) -> Bool {
        ranges.contains { v >= $0[0] && v <= $0[1] }
    }

    /// Steps 1-3: the kept units of a text, in order.
    public func units(_ text: String) -> [Unit] {
        var out: [Unit] = []
        var word: [Unicode.Scalar] = []
        for c in Self.normalize(text) {
            let k = kind(of: c)
            if k == .word {
                if word.count < spec.maxWordChars {
                    let folded = spec.foldDigits && c.value >= 0x30 && c.value <= 0x39
                    word.append(folded ? "0" : c)
                }
                continue
            }
            if !word.isEmpty {
                out.append(Unit(kind: .word, scalars: word))
                word = []
            }
            if let k = k { out.append(Unit(kind: k, scalars: [c])) }
            if out.count >= spec.maxUnits { return Array(out.prefix(spec.maxUnits)) }
        }
        if !word.isEmpty { out.append(Unit(kind: .word, scalars: word)) }
        return Array(out.prefix(spec.maxUnits))
    }

    /// Step 4: the feature strings of every kept unit (at most `max_feats` each).
    public func features(_ text: String) -> [[String]] {
        let units = self.units(text)
        return units.indices.map { i in
            let u = units[i]
            var feats = ["w:" + u.string]
            if i + 1 < units.count { feats.append("b:" + u.string + " " + units[i + 1].string) }
            if u.kind == .word {
                let padded: [Unicode.Scalar] = ["<"] + u.scalars + [">"]
                for n in spec.ngramMin...spec.ngramMax where n <= padded.count {
                    for j in 0...(padded.count - n) {
                        feats.append("c:" + String(String.UnicodeScalarView(padded[j..<(j + n)])))
                    }
                }
            }
            return Array(feats.prefix(spec.maxFeats))
        }
    }

    /// Steps 5-6: the row-major `max_units × max_feats` id matrix (0 = padding).
    public func encode(_ text: String) -> [Int32] {
        var ids = [Int32](repeating: 0, count: spec.maxUnits * spec.maxFeats)
        for (i, feats) in features(text).enumerated() {
            for (k, f) in feats.enumerated() {
                ids[i * spec.maxFeats + k] = FNV1a.featureId(f, buckets: spec.buckets)
            }
        }
        return ids
    }
}
