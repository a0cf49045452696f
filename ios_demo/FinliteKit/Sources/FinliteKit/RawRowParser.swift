import Foundation

/// Raw events / users rows (cells as text keyed by the files' column names, as in the CSV files and golden.json)
/// → `EventRow` / `AttributeRow`, with the rules of finlite/data/events.py and the bundle's schema: cells trimmed;
/// categorical values match exactly (unknown → OOV; empty → missing, but OOV in the event-name field); empty
/// numerics are missing (NaN), never zero; a numeric outside the field's `min` / `max` throws, naming the field;
/// multi values split on the field's separator (unknown items ignored).
public struct RawRowParser {
    public let schema: ProfileSchema

    public init(schema: ProfileSchema) { self.schema = schema }

    public func event(_ row: RawRow) throws -> EventRow {
        func cell(_ column: String) throws -> String {
            guard let v = row[column] else { throw FinliteError.invalid("events: no column '\(column)'") }
            return Self.trim(v)
        }
        if try cell(schema.eventUserId).isEmpty { throw FinliteError.invalid("field '\(schema.eventUserId)': empty \(schema.eventUserId)") }
        let ts: Int64
        do { ts = try Timestamps.parse(try cell(schema.eventTimestamp)) } catch FinliteError.invalid(let m) {
            throw FinliteError.invalid("field '\(schema.eventTimestamp)': \(m)")
        }
        let cats: [Int32] = try schema.eventCategoricals.map { f in
            let text = try cell(f.column)
            return text.isEmpty ? (f.role == "event" ? ProfileSchema.oovId : ProfileSchema.missingId) : f.ids[text] ?? ProfileSchema.oovId
        }
        let nums: [Float] = try schema.eventNumerics.map { Float(try Self.number(try cell($0.column), field: $0)) }
        return EventRow(tsMs: ts, cats: cats, nums: nums)
    }

    public func attributes(_ row: RawRow) throws -> AttributeRow {
        func cell(_ column: String) throws -> String {
            guard let v = row[column] else { throw FinliteError.invalid("users: no column '\(column)'") }
            return Self.trim(v)
        }
        if try cell(schema.userUserId).isEmpty { throw FinliteError.invalid("field '\(schema.userUserId)': empty \(schema.userUserId)") }
        let fields = schema.userFields
        var out = AttributeRow(ids: [Int32](repeating: 0, count: fields.count), values: [Float](repeating: .nan, count: fields.count), multi: [])
        for (i, f) in fields.enumerated() {
            let text = try cell(f.column)
            var hot = [Bool](repeating: false, count: f.kind == "multi" ? f.values.count : 0)
            switch f.kind {
            case "numeric": out.values[i] = Float(try Self.number(text, field: f))
            case "categorical": out.ids[i] = text.isEmpty ? ProfileSchema.missingId : f.ids[text] ?? ProfileSchema.oovId
            default:
                for item in text.components(separatedBy: f.separator) {
                    if let id = f.ids[Self.trim(item)] { hot[Int(id) - 2] = true }  // empty or unknown: ignored
                }
            }
            out.multi.append(hot)
        }
        return out
    }

    static func trim(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A decimal number (`12`, `-3.5`, `1e3`) within the field's `min` / `max`; empty = NaN (missing); anything else throws.
    static func number(_ raw: String, field f: SchemaField) throws -> Double {
        let s = trim(raw)
        if s.isEmpty { return .nan }
        guard isDecimal(s), let v = Double(s), v.isFinite else {
            throw FinliteError.invalid("field '\(f.column)': not a number: '\(s)'")
        }
        if abs(v) > Double(Float.greatestFiniteMagnitude) {  // the tables hold float32
            throw FinliteError.invalid("field '\(f.column)': '\(s)' is not finite or beyond the float32 range (±3.4e38)")
        }
        if let low = f.min, v < low { throw FinliteError.invalid("field '\(f.column)': \(f.name) \(shown(v)) is below the schema's min \(shown(low))") }
        if let high = f.max, v > high { throw FinliteError.invalid("field '\(f.column)': \(f.name) \(shown(v)) is above the schema's max \(shown(high))") }
        return v
    }

    /// A number as Python's `f"{x:g}"` shows an integer-valued bound (`-5`, `120`).
    static func shown(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }

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
