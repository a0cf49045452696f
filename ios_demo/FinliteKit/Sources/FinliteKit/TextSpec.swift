import Foundation

/// Every parameter of the `Formats.text` encoder: the `text` object of an intent bundle's
/// `preprocess.json` (docs/preprocessing.md §2). Read it from the bundle; never hard-code it.
public struct TextSpec: Codable, Equatable {
    public var buckets: Int
    public var maxUnits: Int
    public var maxFeats: Int
    public var maxWordChars: Int
    public var ngramMin: Int
    public var ngramMax: Int
    public var foldDigits: Bool
    public var normalization: String
    public var lowercase: Bool
    /// Inclusive `[lo, hi]` code point ranges.
    public var cjkRanges: [[UInt32]]
    public var symbolRanges: [[UInt32]]
    public var separatorRanges: [[UInt32]]
    public var format: String

    enum CodingKeys: String, CodingKey {
        case buckets, format, normalization, lowercase
        case maxUnits = "max_units", maxFeats = "max_feats", maxWordChars = "max_word_chars"
        case ngramMin = "ngram_min", ngramMax = "ngram_max", foldDigits = "fold_digits"
        case cjkRanges = "cjk_ranges", symbolRanges = "symbol_ranges", separatorRanges = "separator_ranges"
    }

    /// The defaults of `Formats.text` (docs/preprocessing.md §2), for tests and documentation.
    public static let defaults = TextSpec(
        buckets: 10240, maxUnits: 64, maxFeats: 32, maxWordChars: 32, ngramMin: 3, ngramMax: 5,
        foldDigits: true, normalization: "NFKC", lowercase: true,
        cjkRanges: [[11904, 12255], [12352, 12543], [12544, 12591], [13312, 19903], [19968, 40959],
                    [44032, 55215], [63744, 64255], [131072, 201551]],
        symbolRanges: [[169, 169], [174, 174], [8592, 8703], [8960, 9215], [9632, 10175], [10496, 11263],
                       [126976, 129791]],
        separatorRanges: [[128, 191], [215, 215], [247, 247], [8192, 8303], [8352, 8399], [12288, 12351],
                          [65024, 65039], [65072, 65103], [65520, 65535]],
        format: Formats.text)

    /// Refuses a spec this encoder does not implement (another format, impossible sizes, bad ranges).
    public func validate() throws {
        try Formats.check(format, Formats.text, in: "text spec")
        guard buckets >= 2, maxUnits >= 1, maxFeats >= 1, maxWordChars >= 1, 1 <= ngramMin, ngramMin <= ngramMax else {
            throw FinliteError.invalid("text spec: sizes out of range")
        }
        guard normalization == "NFKC", lowercase else {
            throw FinliteError.invalid("\(Formats.text) always applies NFKC and lower case")
        }
        for r in cjkRanges + symbolRanges + separatorRanges where r.count != 2 || r[0] > r[1] || r[1] > 0x10FFFF {
            throw FinliteError.invalid("text spec: range \(r) is not [lo, hi] with lo <= hi")
        }
    }
}
