import Foundation

/// Eligibility of one offer for one request (finlite/realtime/policy/eligibility.py): validity, trigger, holdings,
/// suitability, conditions, propensity, channel, in this order, stopping at the first that fails. Each check leaves
/// a record `{"check": …, fields…, "pass": …}`. An unsuitable offer is never eligible, whatever the scores.
enum PolicyEligibility {
    static let modelConditions = ["stage", "tag", "propensity_min", "top_k"]

    static func record(_ check: String, _ ok: Bool, _ fields: [(String, JSONValue)]) -> JSONValue {
        .object([("check", .string(check))] + fields + [("pass", .bool(ok))])
    }

    static func passed(_ r: JSONValue) -> Bool { if case .bool(true)? = r["pass"] { return true }; return false }

    static func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    /// A raw score of `part` (stage, tags, products), as the request gave it.
    static func score(_ scores: JSONValue?, _ part: String, _ key: String) -> JSONValue? { scores?[part]?[key] }

    static func condition(_ c: JSONValue, _ offer: PolicyOffer, _ request: PolicyRequest, _ scores: JSONValue?, _ stages: [String], _ products: [String]) -> JSONValue {
        let nonEmpty = scores.map { !$0.keys.isEmpty } ?? false
        if let list = c["stage"] {
            let top = nonEmpty ? TriggerPredicates.topStage(scores!, stages) : nil
            let ok = top.map { t in list.arrayValue!.contains { $0.stringValue == t } } ?? false
            return record("stage", ok, [("stages", list), ("value", opt(top))])
        }
        if let tag = c["tag"] {
            let v = score(scores, "tags", tag.stringValue!)
            let x = v.flatMap(jsonNumber)
            let ok = x != nil && (c["min"].map { x! >= jsonNumber($0)! } ?? true) && (c["max"].map { x! <= jsonNumber($0)! } ?? true)
            var fields: [(String, JSONValue)] = [("tag", tag)]
            for k in ["min", "max"] { if let b = c[k] { fields.append((k, b)) } }
            return record("tag", ok, fields + [("value", v ?? .null)])
        }
        if let low = c["propensity_min"] {
            let v = score(scores, "products", offer.product)
            return record("propensity_min", v.flatMap(jsonNumber).map { $0 >= jsonNumber(low)! } ?? false, [("min", low), ("value", v ?? .null)])
        }
        if let k = c["top_k"] {
            let rank = nonEmpty ? TriggerPredicates.productRank(scores!, offer.product, products) : nil
            return record("top_k", rank.map { $0 <= k.integerValue! } ?? false, [("k", k), ("value", rank.map { .integer($0) } ?? .null)])
        }
        let name = c["attribute"]!.stringValue!
        let op = c.keys.first { $0 != "attribute" }!
        let expected = c[op]!
        let v = request.attributes[name]
        var ok = false
        switch v {
        case .array(let held)?:
            let hit = held.contains { h in expected.arrayValue!.contains { $0.stringValue == h.stringValue } }
            ok = op == "in" ? hit : !hit
        case .string(let s)?:
            let member = expected.arrayValue!.contains { $0.stringValue == s }
            ok = op == "in" ? member : !member
        case .number(let x)?:
            let e = jsonNumber(expected)!
            ok = op == "lt" ? x < e : op == "le" ? x <= e : op == "gt" ? x > e : x >= e
        default: ok = false
        }
        return record("attribute", ok, [("attribute", .string(name)), ("op", .string(op)), ("expected", expected), ("value", v ?? .null)])
    }

    /// propensity × value, or the value alone (`by: value`); nil when the propensity is unknown.
    static func offerScore(_ offer: PolicyOffer, _ scores: JSONValue?, _ by: String) -> Double? {
        if by == "value" { return offer.value }
        return score(scores, "products", offer.product).flatMap(jsonNumber).map { $0 * offer.value }
    }

    /// The checks that ran, and whether all passed.
    static func check(_ offer: PolicyOffer, _ request: PolicyRequest, _ policy: Policy, _ arm: PolicyArm, _ date: String,
                      _ scores: JSONValue?, _ by: String, _ stages: [String], _ products: [String]) -> ([JSONValue], Bool) {
        var out: [JSONValue] = []
        func add(_ r: JSONValue) -> Bool { out.append(r); return passed(r) }
        if offer.validFrom != nil || offer.validUntil != nil {
            var fields: [(String, JSONValue)] = [("date", .string(date))]
            if let f = offer.validFrom { fields.append(("valid_from", .string(f))) }
            if let u = offer.validUntil { fields.append(("valid_until", .string(u))) }
            let ok = (offer.validFrom.map { date >= $0 } ?? true) && (offer.validUntil.map { date <= $0 } ?? true)
            if !add(record("valid", ok, fields)) { return (out, false) }
        }
        if let triggers = offer.triggers, !add(record("trigger", request.trigger.map { triggers.contains($0) } ?? false, [("trigger", opt(request.trigger))])) {
            return (out, false)
        }
        if let holdings = policy.holdings {
            let held = request.attributes[holdings]?.arrayValue ?? []
            if !add(record("held", !held.contains { $0.stringValue == offer.product }, [("product", .string(offer.product))])) { return (out, false) }
        }
        if let risk = offer.risk, let (attribute, levels) = policy.suitability {
            let user = request.attributes[attribute]?.stringValue
            let ok = user.flatMap { levels.firstIndex(of: $0) }.map { levels.firstIndex(of: risk)! <= $0 } ?? false
            if !add(record("suitability", ok, [("offer_risk", .string(risk)), ("user_risk", opt(user))])) { return (out, false) }
        }
        for (j, c) in offer.eligible.enumerated() {
            if !arm.model && modelConditions.contains(where: { c[$0] != nil }) {
                _ = add(record("model", true, [("condition", .integer(Int64(j)))]))
                continue
            }
            if !add(condition(c, offer, request, scores, stages, products)) { return (out, false) }
        }
        if by == "propensity_x_value" {
            let p = score(scores, "products", offer.product)
            if !add(record("propensity", p != nil, [("product", .string(offer.product)), ("value", p ?? .null)])) { return (out, false) }
        }
        let ok = offer.channels.contains { request.channels.contains($0) }
        let reachable = add(record("channel", ok, [("channels", .array(request.channels.map { .string($0) }))]))
        return (out, reachable)
    }
}
