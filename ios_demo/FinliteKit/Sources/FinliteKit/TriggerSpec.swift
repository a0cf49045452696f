import Foundation

/// A trigger spec that cannot be used; `code` names the rule (the same codes as finlite's Python reader).
public struct TriggerSpecError: Error, CustomStringConvertible {
    public let code: String
    public let description: String
}

/// One checked trigger; `raw` is its JSON.
public struct Trigger {
    public let id: String
    public let type: String
    public let raw: JSONValue
    public let cooldownMs: Int64
    public let maxFirings: Int64?
    public let groupBy: String?
}

/// A checked `finlite.triggers/1` spec (docs/triggers.md): zone, allowed lateness, triggers (chains after their steps).
public struct TriggerSpec {
    public static let format = "finlite.triggers/1"
    public let timeZone: String
    public let allowedLatenessMs: Int64
    public let triggers: [Trigger]
    public let raw: JSONValue

    /// Checks `data` against `schema`; every problem is a one-line `TriggerSpecError`.
    public static func parse(_ data: JSONValue, schema: ProfileSchema, where place: String = "spec") throws -> TriggerSpec {
        try SpecReader(schema: schema, place: place).spec(data)
    }
}

private let triggerTypes: [String: ([String], [String])] = [
    "event": (["match"], []), "dwell": (["match", "field", "min_ms"], ["window_ms", "unless"]),
    "count": (["match", "goal", "window_ms"], ["unless"]), "distinct_days": (["match", "goal", "window_days"], ["unless"]),
    "sequence": (["first", "then", "within_ms"], []), "absence": (["first", "then", "within_ms"], []),
    "model": (["condition"], []), "chain": (["steps", "within_ms"], []),
]
private let typeOrder = ["event", "dwell", "count", "distinct_days", "sequence", "absence", "model", "chain"]
private let commonKeys = ["id", "type", "description", "cooldown_ms", "max_firings", "when", "group_by"]
private let opsCategorical = ["eq", "ne", "in", "not_in"]
private let opsNumeric = ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"]

/// Python's repr of a value in messages.
func shown(_ v: JSONValue?) -> String {
    guard let v = v else { return "None" }
    switch v {
    case .string(let s):  // control characters escaped as Python's repr does, so a refusal stays one line
        return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: "\\t") + "'"
    case .integer(let i): return String(i)
    case .number(let d): return String(d)
    case .null: return "None"
    case .bool(let b): return b ? "True" : "False"
    default: return v.typeName
    }
}

private struct SpecReader: SpecReading {
    let schema: ProfileSchema
    let place: String
    var fields: [String: SchemaField] { Dictionary(uniqueKeysWithValues: schema.eventFields.map { ($0.name, $0) }) }

    func fail(_ code: String, _ trigger: String?, _ path: String, _ message: String) -> TriggerSpecError {
        let at = trigger.map { "trigger '\($0)', field '\(path)'" } ?? "field '\(path)'"
        return TriggerSpecError(code: code, description: "\(place), \(at): \(message) [\(code)]")
    }

    func spec(_ data: JSONValue) throws -> TriggerSpec {
        guard case .object = data else { throw fail("bad_type", nil, "", "a trigger spec is a JSON object") }
        try keys(data, nil, "", ["format", "time_zone", "triggers"], ["allowed_lateness_ms", "description"])
        guard data["format"]?.stringValue == TriggerSpec.format else {
            throw fail("bad_format", nil, "format", "unsupported format \(shown(data["format"])) (this finlite reads '\(TriggerSpec.format)')")
        }
        guard let zone = data["time_zone"]?.stringValue, TriggerTime.isZone(zone) else {
            throw fail("bad_time_zone", nil, "time_zone", "\(shown(data["time_zone"])) is not an IANA time zone")
        }
        let lateness = try duration(data["allowed_lateness_ms"] ?? .integer(0), nil, "allowed_lateness_ms", positive: false)
        guard let items = data["triggers"]?.arrayValue, !items.isEmpty else { throw fail("bad_type", nil, "triggers", "a non-empty list of triggers is needed") }
        if items.count > 256 { throw fail("too_many", nil, "triggers", "\(items.count) triggers, more than 256") }
        let triggers = try items.enumerated().map { try trigger($0.element, $0.offset) }
        var seen = Set<String>()
        for (i, t) in triggers.enumerated() where !seen.insert(t.id).inserted {
            throw fail("duplicate_id", t.id, "triggers[\(i)].id", "id '\(t.id)' is used twice")
        }
        return TriggerSpec(timeZone: zone, allowedLatenessMs: lateness, triggers: try chainOrder(triggers), raw: data)
    }

    func trigger(_ item: JSONValue, _ i: Int) throws -> Trigger {
        guard case .object = item else { throw fail("bad_type", nil, "triggers[\(i)]", "a trigger is a JSON object") }
        guard let tid = item["id"]?.stringValue, matchesWhole(tid, specIdPattern) else {
            throw fail("bad_id", nil, "triggers[\(i)].id", "\(shown(item["id"])) is not an id (a letter, then letters, digits, _ . -)")
        }
        guard let kind = item["type"]?.stringValue, let (required, optional) = triggerTypes[kind] else {
            throw fail("unknown_type", tid, "type", "unknown type \(shown(item["type"])); expected one of \(typeOrder)")
        }
        try keys(item, tid, "", ["id", "type"] + required, commonKeys + optional)
        let cooldown = try duration(item["cooldown_ms"] ?? .integer(0), tid, "cooldown_ms", positive: false)
        let cap = item["max_firings"] == nil ? nil : try count(item["max_firings"], tid, "max_firings")
        let group = item["group_by"]
        if let group = group {
            if kind == "model" || kind == "chain" { throw fail("unknown_key", tid, "group_by", "a \(kind) trigger has no group_by") }
            guard let name = group.stringValue, let f = fields[name] else { throw fail("unknown_field", tid, "group_by", "the events have no field \(shown(group))") }
            if f.kind != "categorical" { throw fail("wrong_kind", tid, "group_by", "'\(name)' is \(f.kind); group_by needs a categorical field") }
        }
        for key in ["match", "unless", "first", "then"] { if let p = item[key] { try predicate(p, tid, key) } }
        for key in ["window_ms", "within_ms", "min_ms"] where item[key] != nil { _ = try duration(item[key], tid, key, positive: true) }
        if item["goal"] != nil { _ = try count(item["goal"], tid, "goal") }
        if item["window_days"] != nil { _ = try count(item["window_days"], tid, "window_days", high: 366) }
        if kind == "dwell" {
            guard let name = item["field"]?.stringValue, let f = fields[name] else { throw fail("unknown_field", tid, "field", "the events have no field \(shown(item["field"]))") }
            if f.kind != "numeric" { throw fail("wrong_kind", tid, "field", "'\(name)' is \(f.kind); dwell needs a numeric field") }
            if item["unless"] != nil && item["window_ms"] == nil { throw fail("unknown_key", tid, "unless", "unless needs window_ms (a total dwell)") }
        }
        for key in ["condition", "when"] { if let c = item[key] { try condition(c, tid, key) } }
        if kind == "chain" {
            guard let steps = item["steps"]?.arrayValue, steps.count >= 2, steps.allSatisfy({ $0.stringValue != nil }) else {
                throw fail("bad_type", tid, "steps", "a chain needs a list of at least 2 trigger ids")
            }
        }
        return Trigger(id: tid, type: kind, raw: item, cooldownMs: cooldown, maxFirings: cap, groupBy: group?.stringValue)
    }

    func predicate(_ p: JSONValue, _ tid: String, _ path: String) throws {
        guard case .object(let pairs) = p, !pairs.isEmpty else { throw fail("bad_predicate", tid, path, "a predicate is a JSON object") }
        if p["and"] != nil || p["or"] != nil {
            let key = p["and"] != nil ? "and" : "or"
            guard pairs.count == 1, let parts = p[key]?.arrayValue, !parts.isEmpty else { throw fail("bad_predicate", tid, path, "'\(key)' takes a non-empty list and nothing else") }
            for (i, sub) in parts.enumerated() { try predicate(sub, tid, "\(path).\(key)[\(i)]") }
            return
        }
        if let inner = p["not"] {
            if pairs.count != 1 { throw fail("bad_predicate", tid, path, "'not' takes one predicate and nothing else") }
            try predicate(inner, tid, "\(path).not")
            return
        }
        let ops = p.keys.filter { $0 != "field" }
        guard let name = p["field"]?.stringValue, ops.count == 1 else { throw fail("bad_predicate", tid, path, "a comparison is {\"field\": name, op: value} with one op") }
        guard let f = fields[name] else { throw fail("unknown_field", tid, "\(path).field", "the events have no field '\(name)'") }
        let op = ops[0], value = p[op]!
        let allowed = f.kind == "numeric" ? opsNumeric : opsCategorical
        if !allowed.contains(op) { throw fail("wrong_kind", tid, "\(path).\(op)", "'\(name)' is \(f.kind); its operators are \(allowed)") }
        let listed = op == "in" || op == "not_in"
        if listed && (value.arrayValue?.isEmpty ?? true) { throw fail("bad_predicate", tid, "\(path).\(op)", "'\(op)' takes a non-empty list") }
        for v in listed ? value.arrayValue! : [value] {
            if f.kind == "numeric" {
                switch v { case .integer, .number: break; default: throw fail("bad_type", tid, "\(path).\(op)", "'\(name)' is numeric; \(shown(v)) is not a number") }
            } else if !(v.stringValue.map { f.values.contains($0) } ?? false) {
                throw fail("unknown_value", tid, "\(path).\(op)", "\(shown(v)) is not in the vocabulary of '\(name)'")
            }
        }
    }

    func condition(_ c: JSONValue, _ tid: String, _ path: String) throws {
        guard case .object = c else { throw fail("bad_condition", tid, path, "a model condition is a JSON object") }
        if c["stage"] != nil {
            try keys(c, tid, "\(path).", ["stage"], [])
            if !(c["stage"]?.stringValue.map { schema.stages.contains($0) } ?? false) { throw fail("unknown_value", tid, "\(path).stage", "\(shown(c["stage"])) is not a stage of the model") }
        } else if c["tag"] != nil {
            try keys(c, tid, "\(path).", ["tag", "min"], [])
            if !(c["tag"]?.stringValue.map { schema.tags.contains($0) } ?? false) { throw fail("unknown_value", tid, "\(path).tag", "\(shown(c["tag"])) is not a tag of the model") }
            guard let m = c["min"].flatMap(jsonNumber), m >= 0, m <= 1 else { throw fail("bad_type", tid, "\(path).min", "\(shown(c["min"])) must be a score in [0, 1]") }
        } else if c["product"] != nil {
            try keys(c, tid, "\(path).", ["product", "top_k"], [])
            if !(c["product"]?.stringValue.map { schema.products.contains($0) } ?? false) { throw fail("unknown_value", tid, "\(path).product", "\(shown(c["product"])) is not a product of the model") }
            _ = try count(c["top_k"], tid, "\(path).top_k", high: Int64(schema.products.count))
        } else {
            throw fail("bad_condition", tid, path, "expected one of {stage}, {tag, min}, {product, top_k}")
        }
    }

    func chainOrder(_ triggers: [Trigger]) throws -> [Trigger] {
        let byId = Dictionary(uniqueKeysWithValues: triggers.map { ($0.id, $0) })
        func steps(_ t: Trigger) -> [String] { t.type == "chain" ? (t.raw["steps"]?.arrayValue ?? []).compactMap { $0.stringValue } : [] }
        for t in triggers { for (j, s) in steps(t).enumerated() where byId[s] == nil { throw fail("unknown_trigger", t.id, "steps[\(j)]", "no trigger '\(s)' in this spec") } }
        var done: [String: Bool] = [:]
        var order: [Trigger] = []
        func visit(_ t: Trigger, _ path: [String]) throws {
            if done[t.id] == false {
                let start = path.firstIndex(of: t.id)!
                throw fail("chain_cycle", t.id, "steps", "cycle " + (Array(path[start...]) + [t.id]).joined(separator: " -> "))
            }
            if done[t.id] != nil { return }
            done[t.id] = false
            for s in steps(t) { try visit(byId[s]!, path + [t.id]) }
            done[t.id] = true
            order.append(t)
        }
        for t in triggers { try visit(t, []) }
        return order
    }
}

/// A JSON number as Double (integers too); nil for anything else.
func jsonNumber(_ v: JSONValue) -> Double? {
    switch v { case .integer(let i): return Double(i); case .number(let d): return d; default: return nil }
}
