import Foundation

/// The policy engine (finlite/realtime/policy/engine.py): one request in, one decision with its reasons out;
/// what it delivers (or would deliver, in a holdout) is appended to `log`.
public final class PolicyEngine {
    public let policy: Policy
    public let schema: ProfileSchema
    public let log: ExposureLog
    private var zones: [String: TimeZone] = [:]
    /// How far back an entry can still block a delivery (nil: forever, a cap `per: ever`).
    private let horizon: Int64?

    public init(policy: Policy, schema: ProfileSchema, log: ExposureLog) {
        self.policy = policy
        self.schema = schema
        self.log = log
        var spans: [Int64?] = [policy.dedupWindowMs] + policy.channels.map { $0.minIntervalMs }
        let day = TriggerTime.dayMs
        for cap in policy.caps { spans.append(cap.windowMs ?? ["day": 2 * day, "week": 8 * day, "month": 32 * day][cap.per!]) }
        horizon = spans.contains { $0 == nil } ? nil : spans.map { $0! }.max()! + 1
    }

    /// `u32(sha256(salt + ":" + user)[0:4]) mod 10000`: the same user, the same bucket, everywhere.
    public static func bucket(salt: String, user: String) -> Int64 {
        var h = SHA256()
        h.update(Data("\(salt):\(user)".utf8))
        let d = h.finalize()
        let u = (UInt32(d[0]) << 24) | (UInt32(d[1]) << 16) | (UInt32(d[2]) << 8) | UInt32(d[3])
        return Int64(u) % Policy.buckets
    }

    public func arm(_ user: String) -> (PolicyArm, Int64) {
        let b = Self.bucket(salt: policy.salt, user: user)
        return (policy.arms.first { $0.start <= b && b < $0.start + $0.buckets }!, b)
    }

    /// "Reset my profile": the user's exposures stop counting and are erased from the log.
    public func reset(user: String, atMs: Int64) throws { try log.reset(user: user, at: atMs) }

    private func zone(_ name: String) -> TimeZone {
        if let z = zones[name] { return z }
        let z = TimeZone(identifier: name)!
        zones[name] = z
        return z
    }

    public func decide(_ raw: JSONValue) throws -> JSONValue {
        let request = try PolicyRequest.parse(raw, policy: policy, schema: schema)
        let (arm, bucket) = arm(request.user)
        let zone = zone(request.timeZone ?? policy.timeZone)
        let found = request.scores[arm.scores]
        let scores = arm.model ? found : nil
        let by = !arm.model ? "value" : (arm.by ?? policy.by)
        let lam = arm.lambda ?? policy.lambda
        let date = PolicyLocalTime(request.at, zone).date

        var eligible: [(PolicyOffer, [JSONValue], Double)] = []
        var rejected: [String: JSONValue] = [:]
        for offer in policy.offers {
            let (checks, ok) = PolicyEligibility.check(offer, request, policy, arm, date, scores, by, schema.stages, schema.products)
            if ok { eligible.append((offer, checks, PolicyEligibility.offerScore(offer, scores, by)!)) } else { rejected[offer.id] = checks.last! }
        }
        let mine = log.forUser(request.user, until: request.at)
        var history: [String: Int64] = [:]
        for e in mine where policy.historyMs > 0 && request.at - e.at < policy.historyMs { history[e.category, default: 0] += 1 }
        var seen = mine.filter { horizon == nil || request.at - $0.at < horizon! }.map { PolicyExposure(offer: $0.offer, category: $0.category, channel: $0.channel, at: $0.at) }
        let p = PolicyRanking.interest(policy.categories, eligible.map { ($0.0.category, $0.2) })

        var chosen: [(offer: PolicyOffer, record: JSONValue, channel: String)] = []
        var chosenSum = 0.0
        var lastFail: [String: JSONValue] = [:]
        while chosen.count < policy.slots {
            var best: (value: Double, offer: PolicyOffer, checks: [JSONValue], score: Double, channel: String, delivery: [JSONValue])?
            for (offer, checks, score) in eligible where !chosen.contains(where: { $0.offer.id == offer.id }) {
                let (channel, delivery) = PolicyDelivery.deliver(policy, offer, request.channels, seen, request.at, zone)
                guard let channel = channel else {
                    lastFail[offer.id] = delivery.last ?? .object([("check", .string("channel")), ("pass", .bool(false))])
                    continue
                }
                lastFail[offer.id] = nil
                var shown = history
                for c in chosen { shown[c.offer.category, default: 0] += 1 }
                shown[offer.category, default: 0] += 1
                let value = PolicyRanking.objective(lam, chosenSum, score, p, policy.categories, shown)
                if best == nil || value > best!.value || (value == best!.value && codePointLess(offer.id, best!.offer.id)) {
                    best = (value, offer, checks, score, channel, delivery)
                }
            }
            guard let b = best else { break }
            chosenSum += b.score
            seen.append(PolicyExposure(offer: b.offer.id, category: b.offer.category, channel: b.channel, at: request.at))
            let record: JSONValue = .object([
                ("offer", .string(b.offer.id)), ("category", .string(b.offer.category)), ("channel", .string(b.channel)), ("shown", .bool(!arm.holdout)),
                ("score", .number(b.score)), ("objective", .number(b.value)), ("why", .string(b.offer.why)), ("trigger", PolicyEligibility.opt(request.trigger)),
                ("checks", .array(b.checks)), ("delivery", .array(b.delivery))])
            chosen.append((b.offer, record, b.channel))
        }
        for c in chosen {
            try log.appendExposure(user: request.user, offer: c.offer.id, category: c.offer.category, channel: c.channel, at: request.at, arm: arm.id, shown: !arm.holdout)
        }
        var outRejected: [JSONValue] = []
        for offer in policy.offers where !chosen.contains(where: { $0.offer.id == offer.id }) {
            let check = rejected[offer.id] ?? lastFail[offer.id] ?? .object([("check", .string("outranked")), ("pass", .bool(false))])
            outRejected.append(.object([("offer", .string(offer.id)), ("check", check)]))
        }
        return .object([("user", .string(request.user)), ("at", .string(TriggerTime.iso(request.at))), ("arm", .string(arm.id)), ("bucket", .integer(bucket)),
                        ("holdout", .bool(arm.holdout)), ("offers", .array(chosen.map { $0.record })), ("rejected", .array(outRejected))])
    }
}
