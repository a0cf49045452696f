import Foundation

/// A decision request, checked (finlite/realtime/policy/request.py): who, when, which trigger, the channels
/// available now, typed attributes (string / number / list of strings) and the score sources.
public struct PolicyRequest {
    public let at: Int64
    public let user: String
    public let trigger: String?
    public let channels: [String]
    public let attributes: [String: JSONValue]
    public let scores: JSONValue
    public let timeZone: String?

    static func fail(_ code: String, _ path: String, _ message: String) -> PolicySpecError {
        PolicySpecError(code: code, description: "request, field '\(path)': \(message) [\(code)]")
    }

    /// Python's truth value of a JSON value: null, false, 0, "", [] and {} are false (`x or {}`).
    static func truthy(_ v: JSONValue?) -> Bool {
        switch v {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case .integer(let i)?: return i != 0
        case .number(let d)?: return d != 0
        case .string(let s)?: return !s.isEmpty
        case .array(let a)?: return !a.isEmpty
        case .object(let p)?: return !p.isEmpty
        }
    }

    static func isNumber(_ v: JSONValue) -> Bool { jsonNumber(v) != nil }

    public static func parse(_ data: JSONValue, policy: Policy, schema: ProfileSchema) throws -> PolicyRequest {
        guard case .object = data else { throw fail("bad_type", "", "a request is a JSON object") }
        let allowed = ["at", "user", "trigger", "channels", "attributes", "scores", "time_zone"]
        for key in data.keys where !allowed.contains(key) { throw fail("unknown_key", key, "unknown key; expected one of \(allowed.sorted())") }
        for key in ["at", "user", "channels"] where data[key] == nil { throw fail("missing_key", key, "is required") }
        guard let text = data["at"]?.stringValue, let at = try? Timestamps.parseISO(text) else { throw fail("bad_time", "at", "\(shown(data["at"])) is not an ISO 8601 time") }
        guard let user = data["user"]?.stringValue, !user.isEmpty else { throw fail("bad_type", "user", "a non-empty user id is needed") }
        var trigger: String?
        if let t = data["trigger"], t.typeName != "null" {
            guard let s = t.stringValue else { throw fail("bad_type", "trigger", "a trigger id or null") }
            trigger = s
        }
        guard let channels = data["channels"]?.arrayValue else { throw fail("bad_type", "channels", "a list of channel ids is needed") }
        for (j, c) in channels.enumerated() where !(c.stringValue.map { id in policy.channels.contains { $0.id == id } } ?? false) {
            throw fail("unknown_channel", "channels[\(j)]", "\(shown(c)) is not a channel of this policy")
        }
        var zone: String?
        if let z = data["time_zone"], z.typeName != "null" {
            guard let s = z.stringValue, TriggerTime.isZone(s) else { throw fail("bad_time_zone", "time_zone", "\(shown(z)) is not an IANA time zone") }
            zone = s
        }
        let attributes = try parseAttributes(truthy(data["attributes"]) ? data["attributes"]! : .object([]), schema)
        let scores = truthy(data["scores"]) ? data["scores"]! : .object([])
        try checkScores(scores)
        return PolicyRequest(at: at, user: user, trigger: trigger, channels: channels.map { $0.stringValue! }, attributes: attributes, scores: scores, timeZone: zone)
    }

    static func parseAttributes(_ raw: JSONValue, _ schema: ProfileSchema) throws -> [String: JSONValue] {
        guard case .object(let pairs) = raw else { throw fail("bad_type", "attributes", "a JSON object of attribute values is needed") }
        var out: [String: JSONValue] = [:]
        for (name, value) in pairs {
            let path = "attributes.\(name)"
            guard let f = schema.userFields.first(where: { $0.name == name }) else { throw fail("unknown_field", path, "the users have no attribute '\(name)'") }
            if case .null = value { continue }
            switch f.kind {
            case "numeric":
                guard let d = jsonNumber(value) else { throw fail("bad_type", path, "'\(name)' is numeric; \(shown(value)) is not a number") }
                out[name] = .number(d)
            case "categorical":
                guard value.stringValue != nil else { throw fail("bad_type", path, "'\(name)' is categorical; a string is needed") }
                out[name] = value
            default:
                guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else { throw fail("bad_type", path, "'\(name)' is multi; a list of strings is needed") }
                out[name] = value
            }
        }
        return out
    }

    static func checkScores(_ raw: JSONValue) throws {
        guard case .object(let sources) = raw else { throw fail("bad_type", "scores", "a JSON object of score sources is needed") }
        for (source, table) in sources {
            guard case .object(let parts) = table else { throw fail("bad_type", "scores.\(source)", "scores are {\"stage\": {...}, \"tags\": {...}, \"products\": {...}}") }
            for (part, values) in parts {
                if !["stage", "tags", "products"].contains(part) { throw fail("unknown_key", "scores.\(source).\(part)", "expected stage, tags or products") }
                guard case .object(let items) = values, items.allSatisfy({ isNumber($0.1) }) else { throw fail("bad_type", "scores.\(source).\(part)", "a JSON object of numbers is needed") }
            }
        }
    }
}
