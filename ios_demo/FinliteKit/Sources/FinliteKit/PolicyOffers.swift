import Foundation

/// The offer, condition, cap and experiment sections of the policy reader (finlite/realtime/policy/spec.py).
extension PolicyReader {
    static let attributeOps = ["categorical": ["in", "not_in"], "multi": ["in", "not_in"], "numeric": ["lt", "le", "gt", "ge"]]

    func offer(_ item: JSONValue, _ i: Int) throws -> PolicyOffer {
        guard case .object = item else { throw fail("bad_type", nil, "offers[\(i)]", "an offer is a JSON object") }
        let oid = try ident(item["id"], nil, "offers[\(i)].id")
        try keys(item, oid, "", ["id", "product", "category", "channels", "value", "why"],
                 ["risk", "valid_from", "valid_until", "triggers", "eligible", "description"])
        guard let product = item["product"]?.stringValue, schema.products.contains(product) else {
            throw fail("unknown_value", oid, "product", "\(shown(item["product"])) is not a product of the model")
        }
        guard let channels = item["channels"]?.arrayValue, !channels.isEmpty else { throw fail("bad_type", oid, "channels", "a non-empty list of channel ids is needed") }
        for (j, c) in channels.enumerated() where !(c.stringValue.map { channelIds.contains($0) } ?? false) {
            throw fail("unknown_channel", oid, "channels[\(j)]", "\(shown(c)) is not a channel of this policy")
        }
        guard let why = item["why"]?.stringValue, (1...500).contains(why.unicodeScalars.count) else { throw fail("bad_type", oid, "why", "the why text is 1 to 500 characters") }
        var risk: String?
        if let r = item["risk"], r.typeName != "null" {
            guard let levels = levels else { throw fail("missing_key", oid, "risk", "an offer with a risk needs the policy's suitability") }
            guard let s = r.stringValue, levels.contains(s) else { throw fail("unknown_value", oid, "risk", "\(shown(r)) is not a level of suitability.levels") }
            risk = s
        }
        var triggers: [String]?
        if let t = item["triggers"], t.typeName != "null" {
            guard let list = t.arrayValue, !list.isEmpty else { throw fail("bad_type", oid, "triggers", "a non-empty list of trigger ids is needed") }
            triggers = try list.enumerated().map { try ident($0.element, oid, "triggers[\($0.offset)]") }
        }
        let from = item["valid_from"] == nil ? nil : try date(item["valid_from"], oid, "valid_from")
        let until = item["valid_until"] == nil ? nil : try date(item["valid_until"], oid, "valid_until")
        if let f = from, let u = until, f > u { throw fail("bad_time", oid, "valid_until", "is before valid_from") }
        guard let eligible = (item["eligible"] ?? .array([])).arrayValue else { throw fail("bad_type", oid, "eligible", "a list of conditions is needed") }
        for (j, c) in eligible.enumerated() { try condition(c, oid, "eligible[\(j)]") }
        let value = try number(item["value"], oid, "value")
        if value <= 0 { throw fail("bad_type", oid, "value", "the value weight must be > 0, got \(shown(item["value"]))") }
        return PolicyOffer(id: oid, product: product, category: try ident(item["category"], oid, "category"), channels: channels.map { $0.stringValue! },
                           value: value, why: why, risk: risk, validFrom: from, validUntil: until, triggers: triggers, eligible: eligible)
    }

    func condition(_ c: JSONValue, _ oid: String, _ path: String) throws {
        guard case .object(let pairs) = c, !pairs.isEmpty else { throw fail("bad_condition", oid, path, "a condition is a JSON object") }
        if c["stage"] != nil {
            try keys(c, oid, "\(path).", ["stage"], [])
            guard let stages = c["stage"]?.arrayValue, !stages.isEmpty else { throw fail("bad_condition", oid, "\(path).stage", "a non-empty list of stages is needed") }
            for s in stages where !(s.stringValue.map { schema.stages.contains($0) } ?? false) {
                throw fail("unknown_value", oid, "\(path).stage", "\(shown(s)) is not a stage of the model \(schema.stages)")
            }
        } else if c["tag"] != nil {
            try keys(c, oid, "\(path).", ["tag"], ["min", "max"])
            if !(c["tag"]?.stringValue.map { schema.tags.contains($0) } ?? false) { throw fail("unknown_value", oid, "\(path).tag", "\(shown(c["tag"])) is not a tag of the model") }
            if c["min"] == nil && c["max"] == nil { throw fail("missing_key", oid, "\(path).min", "a tag condition needs min, max or both") }
            for k in ["min", "max"] where c[k] != nil { _ = try number(c[k], oid, "\(path).\(k)", 0, 1) }
        } else if c["propensity_min"] != nil {
            try keys(c, oid, "\(path).", ["propensity_min"], [])
            _ = try number(c["propensity_min"], oid, "\(path).propensity_min", 0, 1)
        } else if c["top_k"] != nil {
            try keys(c, oid, "\(path).", ["top_k"], [])
            _ = try count(c["top_k"], oid, "\(path).top_k", high: Int64(schema.products.count))
        } else if c["attribute"] != nil {
            guard let name = c["attribute"]?.stringValue, let f = users[name] else {
                throw fail("unknown_field", oid, "\(path).attribute", "the users have no attribute \(shown(c["attribute"]))")
            }
            let ops = c.keys.filter { $0 != "attribute" }, allowed = Self.attributeOps[f.kind]!
            guard ops.count == 1, allowed.contains(ops[0]) else { throw fail("wrong_kind", oid, path, "'\(name)' is \(f.kind); one of \(allowed) is needed") }
            let value = c[ops[0]]!
            if f.kind == "numeric" {
                _ = try number(value, oid, "\(path).\(ops[0])")
            } else {
                guard let list = value.arrayValue, !list.isEmpty else { throw fail("bad_condition", oid, "\(path).\(ops[0])", "a non-empty list of values is needed") }
                for v in list where !(v.stringValue.map { f.values.contains($0) } ?? false) {
                    throw fail("unknown_value", oid, "\(path).\(ops[0])", "\(shown(v)) is not in the vocabulary of '\(name)'")
                }
            }
        } else {
            throw fail("bad_condition", oid, path, "expected one of {stage}, {tag, min|max}, {propensity_min}, {top_k}, {attribute, op}")
        }
    }

    func cap(_ item: JSONValue, _ i: Int) throws -> PolicyCap {
        let path = "caps[\(i)]"
        guard case .object = item else { throw fail("bad_type", nil, path, "a cap is a JSON object") }
        try keys(item, nil, "\(path).", ["scope", "max"], ["match", "window_ms", "per", "description"])
        let scopes = ["global", "offer", "category", "channel"], periods = ["day", "week", "month", "ever"]
        guard let scope = item["scope"]?.stringValue, scopes.contains(scope) else { throw fail("unknown_value", nil, "\(path).scope", "\(shown(item["scope"])); expected one of \(scopes)") }
        var match: String?
        if let m = item["match"], m.typeName != "null" {
            if scope == "global" { throw fail("unknown_key", nil, "\(path).match", "a global cap has no match") }
            if scope == "channel" && !(m.stringValue.map { channelIds.contains($0) } ?? false) { throw fail("unknown_channel", nil, "\(path).match", "\(shown(m)) is not a channel of this policy") }
            match = try ident(m, nil, "\(path).match")
        }
        if (item["window_ms"] != nil) == (item["per"] != nil) { throw fail("missing_key", nil, "\(path).per", "a cap needs exactly one of window_ms and per") }
        if let per = item["per"], !(per.stringValue.map { periods.contains($0) } ?? false) { throw fail("unknown_value", nil, "\(path).per", "\(shown(per)); expected one of \(periods)") }
        let window = item["window_ms"] == nil ? nil : try duration(item["window_ms"], nil, "\(path).window_ms", positive: true)
        return PolicyCap(scope: scope, max: try count(item["max"], nil, "\(path).max", low: 0), match: match, windowMs: window, per: item["per"]?.stringValue)
    }

    func experiment(_ e: JSONValue) throws -> (String, [PolicyArm]) {
        guard case .object = e else { throw fail("bad_type", nil, "experiment", "an experiment is {\"salt\": S, \"arms\": [...]}") }
        try keys(e, nil, "experiment.", ["salt", "arms"], ["description"])
        guard let salt = e["salt"]?.stringValue, !salt.isEmpty else { throw fail("bad_type", nil, "experiment.salt", "the salt is a non-empty string") }
        var start: Int64 = 0
        let arms = try listed(e["arms"], "experiment.arms", 16, allowEmpty: false) { item, i -> PolicyArm in
            let path = "experiment.arms[\(i)]"
            guard case .object = item else { throw fail("bad_type", nil, path, "an arm is a JSON object") }
            try keys(item, nil, "\(path).", ["id", "buckets"], ["scores", "holdout", "model", "lambda", "by", "description"])
            var flags: [String: Bool] = [:]
            for k in ["holdout", "model"] where item[k] != nil {
                guard case .bool(let b)? = item[k] else { throw fail("bad_type", nil, "\(path).\(k)", "true or false") }
                flags[k] = b
            }
            let arm = PolicyArm(id: try ident(item["id"], nil, "\(path).id"), start: start,
                                buckets: try count(item["buckets"], nil, "\(path).buckets", high: Policy.buckets),
                                scores: try ident(item["scores"] ?? .string("default"), nil, "\(path).scores"),
                                holdout: flags["holdout"] ?? false, model: flags["model"] ?? true,
                                lambda: item["lambda"] == nil ? nil : try number(item["lambda"], nil, "\(path).lambda", 0, 1),
                                by: item["by"] == nil ? nil : try rankingBy(item["by"], "\(path).by"))
            start += arm.buckets
            return arm
        }
        try unique(arms.map { $0.id }, "experiment.arms", "arm")
        if start != Policy.buckets { throw fail("bad_buckets", nil, "experiment.arms", "the arms' buckets sum to \(start), not \(Policy.buckets)") }
        return (salt, arms)
    }
}
