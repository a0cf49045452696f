import Foundation

/// Predicates and model conditions of a checked trigger spec (docs/triggers.md): an event is a JSON object of
/// field -> string (categorical) or number; a missing value (absent, null, "") makes every comparison false.
enum TriggerPredicates {
    typealias Predicate = (JSONValue) -> Bool

    static func present(_ v: JSONValue?) -> Bool {
        guard let v = v else { return false }
        if case .null = v { return false }
        if case .string(let s) = v, s.isEmpty { return false }
        return true
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = jsonNumber(a), let y = jsonNumber(b) { return x == y }
        if let x = a.stringValue, let y = b.stringValue { return x == y }
        return false
    }

    static func compile(_ p: JSONValue) -> Predicate {
        if let parts = p["and"]?.arrayValue { let c = parts.map(compile); return { e in c.allSatisfy { $0(e) } } }
        if let parts = p["or"]?.arrayValue { let c = parts.map(compile); return { e in c.contains { $0(e) } } }
        if let inner = p["not"] { let c = compile(inner); return { e in !c(e) } }
        let name = p["field"]!.stringValue!
        let op = p.keys.first { $0 != "field" }!
        let value = p[op]!
        switch op {
        case "in", "not_in":
            let members = value.arrayValue!, wanted = op == "in"
            return { e in guard let v = e[name], present(v) else { return false }; return members.contains { equal($0, v) } == wanted }
        case "eq": return { e in guard let v = e[name], present(v) else { return false }; return equal(v, value) }
        case "ne": return { e in guard let v = e[name], present(v) else { return false }; return !equal(v, value) }
        default:
            let limit = jsonNumber(value)!
            return { e in
                guard let v = e[name].flatMap(jsonNumber) else { return false }
                switch op { case "lt": return v < limit; case "le": return v <= limit; case "gt": return v > limit; default: return v >= limit }
            }
        }
    }

    static func table(_ s: JSONValue, _ key: String) -> [String: Double] {
        var out: [String: Double] = [:]
        if case .object(let pairs)? = s[key] { for (k, v) in pairs { out[k] = jsonNumber(v) } }
        return out
    }

    static func productRank(_ s: JSONValue, _ product: String, _ products: [String]) -> Int64? {
        let t = table(s, "products")
        guard let mine = t[product], let pos = products.firstIndex(of: product) else { return nil }
        return 1 + Int64(products.enumerated().filter { i, p in t[p].map { $0 > mine || ($0 == mine && i < pos) } ?? false }.count)
    }

    static func topStage(_ s: JSONValue, _ stages: [String]) -> String? {
        let t = table(s, "stage")
        var best: String?
        for st in stages { if let v = t[st], best == nil || v > t[best!]! { best = st } }
        return best
    }

    static func condition(_ c: JSONValue, _ stages: [String], _ products: [String]) -> (JSONValue?) -> Bool {
        if let st = c["stage"]?.stringValue { return { s in s.map { topStage($0, stages) == st } ?? false } }
        if let tag = c["tag"]?.stringValue { let low = jsonNumber(c["min"]!)!; return { s in s.map { (table($0, "tags")[tag] ?? -1) >= low } ?? false } }
        let p = c["product"]!.stringValue!, k = c["top_k"]!.integerValue!
        return { s in s.flatMap { productRank($0, p, products) }.map { $0 <= k } ?? false }
    }

    static func values(_ c: JSONValue, _ s: JSONValue, _ products: [String]) -> JSONValue {
        func num(_ d: Double?) -> JSONValue { d.map { .number($0) } ?? .null }
        if let st = c["stage"]?.stringValue { return .object([("stage", .string(st)), ("probability", num(table(s, "stage")[st]))]) }
        if let tag = c["tag"]?.stringValue { return .object([("tag", .string(tag)), ("score", num(table(s, "tags")[tag]))]) }
        let p = c["product"]!.stringValue!
        return .object([("product", .string(p)), ("rank", productRank(s, p, products).map { .integer($0) } ?? .null)])
    }
}

extension JSONValue {
    /// Compact JSON text (the engine's persisted state).
    public var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d): return d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)") : "null"
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default: out += u.value < 0x20 ? String(format: "\\u%04x", u.value) : String(u)
                }
            }
            return out + "\""
        case .array(let a): return "[" + a.map { $0.text }.joined(separator: ",") + "]"
        case .object(let pairs): return "{" + pairs.map { JSONValue.string($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}
