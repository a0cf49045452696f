import Foundation

/// The user's calendar of an epoch-ms time (finlite/realtime/policy/local_time.py): local ms = t + the zone's
/// offset at t (Foundation's TimeZone); day = floor(local / 86,400,000), week = floor((day + 3) / 7), month (y, m).
struct PolicyLocalTime {
    let localMs: Int64
    let day: Int64

    init(_ t: Int64, _ zone: TimeZone) {
        localMs = t + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1000))) * 1000
        day = TriggerTime.floorDiv(localMs, TriggerTime.dayMs)
    }

    var date: String { TriggerTime.dateText(day + TriggerTime.epochOrdinal) }
    var minute: Int64 { (localMs - day * TriggerTime.dayMs) / 60_000 }
    var hhmm: String { String(format: "%02d:%02d", Int(minute / 60), Int(minute % 60)) }

    /// The key of the calendar period `per` (day, week, month, ever) containing this time.
    func period(_ per: String) -> Int64 {
        switch per {
        case "day": return day
        case "week": return TriggerTime.floorDiv(day + 3, 7)
        case "month": let (y, m, _) = TriggerTime.civil(day); return y * 12 + m
        default: return 0
        }
    }
}

/// What the delivery rules read of a log entry or of an offer chosen earlier in this decision.
struct PolicyExposure { let offer, category, channel: String; let at: Int64 }

/// Quiet hours, minimum interval, cross-channel de-duplication and caps (finlite/realtime/policy/delivery.py).
enum PolicyDelivery {
    static func scopeValue(_ scope: String, _ offer: PolicyOffer, _ channel: String) -> String {
        scope == "offer" ? offer.id : scope == "category" ? offer.category : channel
    }

    static func capCount(_ cap: PolicyCap, _ seen: [PolicyExposure], _ offer: PolicyOffer, _ channel: String, _ at: Int64, _ zone: TimeZone, _ now: PolicyLocalTime) -> Int64 {
        let key = cap.per.map { now.period($0) }
        let mine = scopeValue(cap.scope, offer, channel)
        var n: Int64 = 0
        for e in seen {
            if cap.scope != "global" && (cap.scope == "offer" ? e.offer : cap.scope == "category" ? e.category : e.channel) != mine { continue }
            if let w = cap.windowMs { if at - e.at < w { n += 1 } } else if PolicyLocalTime(e.at, zone).period(cap.per!) == key { n += 1 }
        }
        return n
    }

    static func channelChecks(_ policy: Policy, _ offer: PolicyOffer, _ channel: String, _ seen: [PolicyExposure], _ at: Int64, _ zone: TimeZone, _ now: PolicyLocalTime) -> [JSONValue] {
        var out: [JSONValue] = []
        let spec = policy.channel(channel)
        let ch: (String, JSONValue) = ("channel", .string(channel))
        if let (start, end) = spec.quietHours {
            let m = now.minute
            let quiet = start < end ? (start <= m && m < end) : (m >= start || m < end)
            out.append(.object([("check", .string("quiet_hours")), ch, ("local_time", .string(now.hhmm)), ("pass", .bool(!quiet))]))
            if quiet { return out }
        }
        if spec.minIntervalMs > 0 {
            let last = seen.filter { $0.channel == channel }.map { $0.at }.max()
            let since = last.map { at - $0 }
            let ok = since.map { $0 >= spec.minIntervalMs } ?? true
            out.append(.object([("check", .string("min_interval")), ch, ("since_ms", since.map { .integer($0) } ?? .null), ("pass", .bool(ok))]))
            if !ok { return out }
        }
        if policy.dedupWindowMs > 0 {
            var last: PolicyExposure?
            for e in seen where e.offer == offer.id && e.channel != channel && at - e.at < policy.dedupWindowMs {
                if last == nil || e.at > last!.at { last = e }
            }
            out.append(.object([("check", .string("dedup")), ch, ("other_channel", last.map { .string($0.channel) } ?? .null),
                                ("since_ms", last.map { .integer(at - $0.at) } ?? .null), ("pass", .bool(last == nil))]))
            if last != nil { return out }
        }
        for (i, cap) in policy.caps.enumerated() {
            if !(cap.match == nil || cap.scope == "global" || cap.match == scopeValue(cap.scope, offer, channel)) { continue }
            let n = capCount(cap, seen, offer, channel, at, zone, now)
            out.append(.object([("check", .string("cap")), ("cap", .integer(Int64(i))), ("count", .integer(n)), ("max", .integer(cap.max)), ("pass", .bool(n < cap.max))]))
            if n >= cap.max { return out }
        }
        return out
    }

    /// The first channel (offer's order, available now) passing every check, with the checks that ran: each skipped
    /// channel's failing check, then the used channel's. No channel: (nil, the first tried channel's checks).
    static func deliver(_ policy: Policy, _ offer: PolicyOffer, _ channels: [String], _ seen: [PolicyExposure], _ at: Int64, _ zone: TimeZone) -> (String?, [JSONValue]) {
        let now = PolicyLocalTime(at, zone)
        var skipped: [JSONValue] = []
        var first: [JSONValue]?
        for channel in offer.channels where channels.contains(channel) {
            let checks = channelChecks(policy, offer, channel, seen, at, zone, now)
            if checks.allSatisfy(PolicyEligibility.passed) { return (channel, skipped + checks) }
            skipped.append(checks.last!)
            first = first ?? checks
        }
        return (nil, first ?? [])
    }
}

/// Calibrated greedy re-ranking (Steck, RecSys 2018; finlite/realtime/policy/ranking.py).
enum PolicyRanking {
    static let alpha = 0.01

    /// p: per category the summed scores of the eligible offers, normalised; all zero: uniform over their categories.
    static func interest(_ categories: [String], _ scored: [(String, Double)]) -> [String: Double] {
        var totals = Dictionary(uniqueKeysWithValues: categories.map { ($0, 0.0) })
        var present: [String] = []
        for (c, s) in scored { totals[c]! += s; if !present.contains(c) { present.append(c) } }
        var total = 0.0
        for c in categories { total += totals[c]! }
        var p: [String: Double] = [:]
        if total > 0 { for c in categories where totals[c]! > 0 { p[c] = totals[c]! / total } }
        else { for c in categories where present.contains(c) { p[c] = 1.0 / Double(present.count) } }
        return p
    }

    /// `(1 − λ)·(S + score) − λ·KL(p ‖ q̃)`, `shown` the category counts of history + chosen + candidate.
    static func objective(_ lam: Double, _ chosenSum: Double, _ score: Double, _ p: [String: Double], _ categories: [String], _ shown: [String: Int64]) -> Double {
        var n: Int64 = 0
        for v in shown.values { n += v }
        var kl = 0.0
        for c in categories {
            let pc = p[c] ?? 0
            if pc > 0 {
                let q = (1 - alpha) * (Double(shown[c] ?? 0) / Double(n)) + alpha * pc
                if q > 0 { kl += pc * log(pc / q) }
            }
        }
        return (1 - lam) * (chosenSum + score) - lam * kl
    }
}
