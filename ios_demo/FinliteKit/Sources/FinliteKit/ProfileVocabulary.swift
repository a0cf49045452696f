import Foundation

/// The category vocabularies of a profile bundle, read from preprocess.json's `tensors` (never hard-coded; as
/// finlite-core's `ProfileVocabulary`): event types, pages and products from the `cat` columns' `vocabulary`,
/// the AUM buckets and the holdings' products from the names of the `static` columns (`aum_<bucket>`, `holds_<product>`).
public struct ProfileVocabulary: Equatable {
    /// Id 0 = padding (no event / no value), 1 = out of vocabulary; known values start at 2 (`Formats.events`).
    public static let padId: Int32 = 0
    public static let oovId: Int32 = 1

    public let eventTypes: [String: Int32]
    public let pages: [String: Int32]
    public let products: [String: Int32]
    /// AUM bucket → id (2.. in column order; 0 = missing, 1 = OOV).
    public let aumBuckets: [String: Int32]
    /// Product of each holdings column, in column order.
    public let holdingProducts: [String]

    /// preprocess.json's `tensors` object: the parts the vocabularies are read from.
    public struct Tensors: Decodable {
        public struct Column: Decodable {
            public var name: String
            public var vocabulary: [String: Int32]?
        }
        public struct Input: Decodable {
            public var name: String
            public var columns: [Column]
        }
        public var format: String
        public var inputs: [Input]
    }

    /// From preprocess.json's `tensors` (format `Formats.profile`), checked against `spec`'s sizes and static layout.
    public init(tensors: Tensors, spec: ProfileSpec) throws {
        try Formats.check(tensors.format, Formats.profile, in: "profile tensors")
        func input(_ name: String) throws -> [Tensors.Column] {
            guard let i = tensors.inputs.first(where: { $0.name == name }) else {
                throw FinliteError.invalid("tensors.inputs: no input \"\(name)\"")
            }
            return i.columns
        }
        let cat = try input("cat")
        func vocab(_ column: String, size: Int) throws -> [String: Int32] {
            guard let v = cat.first(where: { $0.name == column })?.vocabulary else {
                throw FinliteError.invalid("tensors: cat has no column \"\(column)\" with a vocabulary")
            }
            let known = v.filter { $0.key != "<pad>" && $0.key != "<oov>" }
            guard known.count + 2 == size else {
                throw FinliteError.invalid("tensors: cat column \(column): \(known.count) values + pad + oov, but the spec says \(size)")
            }
            return known
        }
        let names = try input("static").map(\.name)
        guard names.count == spec.staticFeatures else {
            throw FinliteError.invalid("tensors: static has \(names.count) columns, the spec gives \(spec.staticFeatures)")
        }
        let aum = names.filter { $0.hasPrefix("aum_") && $0 != "aum_missing" && $0 != "aum_oov" }.map { String($0.dropFirst(4)) }
        let holdings = names.filter { $0.hasPrefix("holds_") }.map { String($0.dropFirst(6)) }
        guard aum.count + 2 == spec.aumVocab, holdings.count == spec.holdings else {
            throw FinliteError.invalid("tensors: static columns give \(aum.count) AUM buckets and \(holdings.count) holdings; "
                                       + "the spec says \(spec.aumVocab - 2) and \(spec.holdings)")
        }
        let expected = Self.staticLayout(aum: aum, holdings: holdings)
        guard names == expected else {
            throw FinliteError.invalid("tensors: static columns \(names) are not the \(Formats.profile) layout \(expected)")
        }
        eventTypes = try vocab("event_type", size: spec.eventTypeVocab)
        pages = try vocab("page", size: spec.pageVocab)
        products = try vocab("product", size: spec.productVocab)
        aumBuckets = Dictionary(aum.enumerated().map { ($1, Self.oovId + 1 + Int32($0)) }, uniquingKeysWith: { first, _ in first })
        holdingProducts = holdings
    }

    /// The names of the static columns of `Formats.profile` with these AUM buckets and holdings.
    static func staticLayout(aum: [String], holdings: [String]) -> [String] {
        var names: [String] = ["log_age", "age_missing"]
        names += (1...5).map { "risk_\($0)" }
        names += ["risk_missing", "log_tenure", "tenure_missing", "aum_missing", "aum_oov"]
        names += aum.map { "aum_" + $0 }
        names += holdings.map { "holds_" + $0 }
        return names + ["log_recency", "no_events", "event_count"]
    }
}
