import Foundation

/// A policy or request that cannot be used; `code` names the rule (the codes of finlite's Python reader,
/// finlite/realtime/policy/spec.py; cases in tests/golden/policy/negative.json).
public struct PolicySpecError: Error, CustomStringConvertible {
    public let code: String
    public let description: String
}

public struct PolicyChannel {
    public let id: String
    public let minIntervalMs: Int64
    /// (from, to) in minutes of the local day.
    public let quietHours: (Int64, Int64)?
}

public struct PolicyOffer {
    public let id, product, category: String
    public let channels: [String]
    public let value: Double
    public let why: String
    public let risk, validFrom, validUntil: String?
    public let triggers: [String]?
    public let eligible: [JSONValue]
}

public struct PolicyCap {
    public let scope: String
    public let max: Int64
    public let match: String?
    public let windowMs: Int64?
    public let per: String?
}

public struct PolicyArm {
    public let id: String
    public let start: Int64, buckets: Int64
    public let scores: String
    public let holdout: Bool, model: Bool
    public let lambda: Double?
    public let by: String?
}

/// A checked `finlite.policy/1` document (docs/policy.md); `categories` in order of first appearance among the offers.
public struct Policy {
    public static let buckets: Int64 = 10_000
    public let timeZone: String
    public let channels: [PolicyChannel]
    public let offers: [PolicyOffer]
    public let caps: [PolicyCap]
    public let arms: [PolicyArm]
    public let categories: [String]
    public let suitability: (attribute: String, levels: [String])?
    public let holdings: String?
    public let by: String
    public let slots: Int64
    public let lambda: Double
    public let historyMs: Int64
    public let dedupWindowMs: Int64
    public let salt: String

    func channel(_ id: String) -> PolicyChannel { channels.first { $0.id == id }! }

    /// Checks `data` against `schema`; every problem is a one-line `PolicySpecError`.
    public static func parse(_ data: JSONValue, schema: ProfileSchema, where place: String = "policy") throws -> Policy {
        var reader = PolicyReader(schema: schema, place: place)
        return try reader.policy(data)
    }
}

let policyRankings = ["propensity_x_value", "value"]

/// The reader of finlite/realtime/policy/spec.py, check for check in the same order.
struct PolicyReader: SpecReading {
    let schema: ProfileSchema
    let place: String
    var users: [String: SchemaField] { Dictionary(uniqueKeysWithValues: schema.userFields.map { ($0.name, $0) }) }
    var channelIds: [String] = []
    var levels: [String]?

    init(schema: ProfileSchema, place: String) { self.schema = schema; self.place = place }

    func fail(_ code: String, _ owner: String?, _ path: String, _ message: String) -> PolicySpecError {
        let at = owner.map { "offer '\($0)', field '\(path)'" } ?? "field '\(path)'"
        return PolicySpecError(code: code, description: "\(place), \(at): \(message) [\(code)]")
    }

    func number(_ v: JSONValue?, _ owner: String?, _ path: String, _ low: Double? = nil, _ high: Double? = nil) throws -> Double {
        guard let x = v.flatMap(jsonNumber) else { throw fail("bad_type", owner, path, "\(shown(v)) is not a number") }
        if (low.map { x < $0 } ?? false) || (high.map { x > $0 } ?? false) { throw fail("bad_type", owner, path, "\(shown(v)) must be in [\(low.map { "\($0)" } ?? "None"), \(high.map { "\($0)" } ?? "None")]") }
        return x
    }

    func ident(_ v: JSONValue?, _ owner: String?, _ path: String) throws -> String {
        guard let s = v?.stringValue, matchesWhole(s, specIdPattern) else {
            throw fail("bad_id", owner, path, "\(shown(v)) is not an id (a letter, then letters, digits, _ . -)")
        }
        return s
    }

    func zone(_ v: JSONValue?, _ path: String = "time_zone") throws -> String {
        guard let s = v?.stringValue, TriggerTime.isZone(s) else { throw fail("bad_time_zone", nil, path, "\(shown(v)) is not an IANA time zone") }
        return s
    }

    func listed<T>(_ items: JSONValue?, _ path: String, _ limit: Int, allowEmpty: Bool = true, _ read: (JSONValue, Int) throws -> T) throws -> [T] {
        guard let list = items?.arrayValue, allowEmpty || !list.isEmpty else {
            throw fail("bad_type", nil, path, "a \(allowEmpty ? "" : "non-empty ")list is needed")
        }
        if list.count > limit { throw fail("too_many", nil, path, "\(list.count) entries, more than \(limit)") }
        return try list.enumerated().map { try read($0.element, $0.offset) }
    }

    func unique(_ ids: [String], _ path: String, _ what: String) throws {
        for (i, x) in ids.enumerated() where ids[..<i].contains(x) {
            throw fail("duplicate_id", nil, "\(path)[\(i)].id", "\(what) id '\(x)' is used twice")
        }
    }

    func userField(_ v: JSONValue?, _ owner: String?, _ path: String, _ kinds: [String]) throws -> String {
        guard let name = v?.stringValue, let f = users[name] else { throw fail("unknown_field", owner, path, "the users have no attribute \(shown(v))") }
        if !kinds.contains(f.kind) { throw fail("wrong_kind", owner, path, "'\(name)' is \(f.kind); expected \(kinds.joined(separator: " or "))") }
        return name
    }

    func rankingBy(_ v: JSONValue?, _ path: String) throws -> String {
        guard let s = v?.stringValue, policyRankings.contains(s) else { throw fail("unknown_value", nil, path, "\(shown(v)); expected one of \(policyRankings)") }
        return s
    }

    func minutes(_ v: JSONValue?, _ path: String) throws -> Int64 {
        guard let s = v?.stringValue, matchesWhole(s, "^([01][0-9]|2[0-3]):[0-5][0-9]$") else {
            throw fail("bad_time", nil, path, "\(shown(v)) is not a time of day HH:MM")
        }
        let parts = s.split(separator: ":").map { Int64($0)! }
        return parts[0] * 60 + parts[1]
    }

    func date(_ v: JSONValue?, _ owner: String, _ path: String) throws -> String {
        if let s = v?.stringValue, matchesWhole(s, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$") {
            let p = s.split(separator: "-").map { Int64($0)! }
            if p[0] >= 1, (1...12).contains(p[1]), p[2] >= 1, p[2] <= Timestamps.daysInMonth(year: p[0], month: p[1]) { return s }
        }
        throw fail("bad_time", owner, path, "\(shown(v)) is not a date YYYY-MM-DD")
    }

    mutating func policy(_ data: JSONValue) throws -> Policy {
        guard case .object = data else { throw fail("bad_type", nil, "", "a policy is a JSON object") }
        try keys(data, nil, "", ["format", "time_zone", "channels", "offers"],
                 ["description", "suitability", "holdings", "ranking", "caps", "dedup_window_ms", "experiment"])
        guard data["format"]?.stringValue == Formats.policy else {
            throw fail("bad_format", nil, "format", "unsupported format \(shown(data["format"])) (this finlite reads '\(Formats.policy)')")
        }
        let zone = try zone(data["time_zone"])
        let channels = try readChannels(data["channels"])
        let suitability = data["suitability"] == nil ? nil : try readSuitability(data["suitability"]!)
        let holdings = data["holdings"] == nil ? nil : try userField(data["holdings"], nil, "holdings", ["multi"])
        channelIds = channels.map { $0.id }
        levels = suitability?.1
        let offers = try listed(data["offers"], "offers", 1024, allowEmpty: false) { try offer($0, $1) }
        try unique(offers.map { $0.id }, "offers", "offer")
        let ranking = data["ranking"] ?? .object([])
        guard case .object = ranking else { throw fail("bad_type", nil, "ranking", "ranking is a JSON object") }
        try keys(ranking, nil, "ranking.", [], ["by", "slots", "lambda", "history_ms"])
        let caps = try listed(data["caps"] ?? .array([]), "caps", 64) { try cap($0, $1) }
        let (salt, arms) = data["experiment"] == nil
            ? ("", [PolicyArm(id: "default", start: 0, buckets: Policy.buckets, scores: "default", holdout: false, model: true, lambda: nil, by: nil)])
            : try experiment(data["experiment"]!)
        var categories: [String] = []
        for o in offers where !categories.contains(o.category) { categories.append(o.category) }
        let by = try rankingBy(ranking["by"] ?? .string("propensity_x_value"), "ranking.by")
        let slots = try count(ranking["slots"] ?? .integer(1), nil, "ranking.slots", high: 16)
        let lambda = try number(ranking["lambda"] ?? .number(0), nil, "ranking.lambda", 0, 1)
        let history = try duration(ranking["history_ms"] ?? .integer(0), nil, "ranking.history_ms")
        let dedup = try duration(data["dedup_window_ms"] ?? .integer(0), nil, "dedup_window_ms")
        return Policy(timeZone: zone, channels: channels, offers: offers, caps: caps, arms: arms, categories: categories,
                      suitability: suitability.map { (attribute: $0.0, levels: $0.1) }, holdings: holdings, by: by, slots: slots,
                      lambda: lambda, historyMs: history, dedupWindowMs: dedup, salt: salt)
    }

    func readChannels(_ items: JSONValue?) throws -> [PolicyChannel] {
        let channels = try listed(items, "channels", 16, allowEmpty: false) { item, i -> PolicyChannel in
            let path = "channels[\(i)]"
            guard case .object = item else { throw fail("bad_type", nil, path, "a channel is a JSON object") }
            try keys(item, nil, "\(path).", ["id"], ["min_interval_ms", "quiet_hours", "description"])
            var quiet: (Int64, Int64)?
            if let q = item["quiet_hours"] {
                guard case .object = q else { throw fail("bad_time", nil, "\(path).quiet_hours", "quiet hours are {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}") }
                try keys(q, nil, "\(path).quiet_hours.", ["from", "to"], [])
                quiet = (try minutes(q["from"], "\(path).quiet_hours.from"), try minutes(q["to"], "\(path).quiet_hours.to"))
                if quiet!.0 == quiet!.1 { throw fail("bad_time", nil, "\(path).quiet_hours", "from and to are equal") }
            }
            return PolicyChannel(id: try ident(item["id"], nil, "\(path).id"),
                                 minIntervalMs: try duration(item["min_interval_ms"] ?? .integer(0), nil, "\(path).min_interval_ms"), quietHours: quiet)
        }
        try unique(channels.map { $0.id }, "channels", "channel")
        return channels
    }

    func readSuitability(_ s: JSONValue) throws -> (String, [String]) {
        guard case .object = s else { throw fail("bad_type", nil, "suitability", "suitability is {\"attribute\": A, \"levels\": [...]}") }
        try keys(s, nil, "suitability.", ["attribute", "levels"], [])
        let name = try userField(s["attribute"], nil, "suitability.attribute", ["categorical"])
        guard let levels = s["levels"]?.arrayValue, !levels.isEmpty, Set(levels.map { $0.stringValue ?? $0.text }).count == levels.count else {
            throw fail("bad_type", nil, "suitability.levels", "a non-empty list of distinct levels is needed")
        }
        for (j, v) in levels.enumerated() where !(v.stringValue.map { users[name]!.values.contains($0) } ?? false) {
            throw fail("unknown_value", nil, "suitability.levels[\(j)]", "\(shown(v)) is not in the vocabulary of '\(name)'")
        }
        return (name, levels.map { $0.stringValue! })
    }
}
