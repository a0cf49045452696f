import Foundation

/// Raw events / users rows (cells as text, as in the CSV files and golden.json) → `EventRow` / `AttributeRow`, with
/// the rules of finlite/data/events.py and the bundle's vocabularies: cells trimmed; categories match exactly
/// (unknown → OOV, empty product → `none`, empty event type / page → OOV, empty AUM bucket → missing); empty
/// numerics are missing (NaN), never zero; bad values throw (`on_error="raise"`), naming the field.
public struct RawRowParser {
    public let vocabulary: ProfileVocabulary
    private let noneProduct: Int32
    private let holdingColumn: [String: Int]

    public init(vocabulary: ProfileVocabulary) {
        self.vocabulary = vocabulary
        noneProduct = vocabulary.products["none"] ?? ProfileVocabulary.oovId
        holdingColumn = Dictionary(vocabulary.holdingProducts.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func event(_ row: RawEventRow) throws -> EventRow {
        let product = Self.trim(row.product)
        let dwell = try Self.number(row.dwellMs, field: "dwell_ms")
        if dwell < 0 { throw FinliteError.invalid("field 'dwell_ms': negative dwell_ms \(row.dwellMs) (must be >= 0)") }
        let ts: Int64
        do { ts = try Timestamps.parse(row.timestamp) } catch FinliteError.invalid(let m) {
            throw FinliteError.invalid("field 'timestamp': \(m)")
        }
        return EventRow(
            tsMs: ts,
            eventType: id(row.eventType, in: vocabulary.eventTypes),
            page: id(row.page, in: vocabulary.pages),
            product: product.isEmpty ? noneProduct : id(product, in: vocabulary.products),
            amount: Float(try Self.number(row.amount, field: "amount")),
            dwellMs: Float(dwell))
    }

    public func attributes(_ row: RawAttributeRow) throws -> AttributeRow {
        let age = try Self.number(row.age, field: "age")
        if !age.isNaN && !(0...120).contains(age) { throw FinliteError.invalid("field 'age': age \(row.age) out of range 0..120") }
        let risk = try Self.number(row.riskLevel, field: "risk_level")
        if !risk.isNaN && !(risk == risk.rounded() && (1...5).contains(risk)) {
            throw FinliteError.invalid("field 'risk_level': risk_level must be an integer 1..5, found '\(row.riskLevel)'")
        }
        let tenure = try Self.number(row.tenureDays, field: "tenure_days")
        if tenure < 0 { throw FinliteError.invalid("field 'tenure_days': negative tenure_days \(row.tenureDays)") }
        var holdings = [Bool](repeating: false, count: vocabulary.holdingProducts.count)
        for item in row.holdings.split(separator: ";", omittingEmptySubsequences: false) {
            if let j = holdingColumn[Self.trim(String(item))] { holdings[j] = true }  // empty or unknown: ignored
        }
        let aum = Self.trim(row.aumBucket)
        return AttributeRow(
            age: Float(age), riskLevel: risk.isNaN ? 0 : Int(risk), tenureDays: Float(tenure), holdings: holdings,
            aumBucket: aum.isEmpty ? ProfileVocabulary.padId : id(aum, in: vocabulary.aumBuckets))
    }

    /// The id of a category cell: its vocabulary id, or OOV.
    private func id(_ cell: String, in vocabulary: [String: Int32]) -> Int32 {
        vocabulary[Self.trim(cell)] ?? ProfileVocabulary.oovId
    }

    static func trim(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A decimal number (`12`, `-3.5`, `1e3`); empty = NaN (missing); anything else throws.
    static func number(_ raw: String, field: String) throws -> Double {
        let s = trim(raw)
        if s.isEmpty { return .nan }
        guard isDecimal(s), let v = Double(s), v.isFinite else {
            throw FinliteError.invalid("field '\(field)': not a number: '\(s)'")
        }
        return v
    }

    /// `^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$` over ASCII digits (Swift's Double() also takes inf, nan, hex).
    static func isDecimal(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        func digits() -> Int { let n = u.prefix { $0 >= 0x30 && $0 <= 0x39 }.count; u = u.dropFirst(n); return n }
        if let c = u.first, c == 0x2B || c == 0x2D { u = u.dropFirst() }
        var mantissa = digits()
        if u.first == 0x2E { u = u.dropFirst(); mantissa += digits() }
        guard mantissa > 0 else { return false }
        if let c = u.first, c == 0x65 || c == 0x45 {
            u = u.dropFirst()
            if let c = u.first, c == 0x2B || c == 0x2D { u = u.dropFirst() }
            guard (1...3).contains(digits()) else { return false }
        }
        return u.isEmpty
    }
}
