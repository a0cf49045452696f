import Foundation

/// The `Formats.profile` encoder (finlite/data/profile_features.py, `ProfileEncoder.encode`): a user's events
/// up to `as_of_ms` and attribute row → `cat`, `num`, `static`. Values are computed in Double and
/// rounded to Float, as finlite does.
public struct ProfileEncoder {
    public let spec: ProfileSpec

    // static column offsets; AUM one-hot (missing, OOV, the buckets) and holdings take the spec's sizes
    static let sAge = 0, sRisk = 2, sTenure = 8, sAum = 10
    static let msPerHour: Int64 = 3_600_000

    public init(spec: ProfileSpec) throws {
        try spec.validate()
        self.spec = spec
    }

    /// Encodes parsed events (in file order; equal timestamps: the later one is more recent) and attributes.
    public func encode(events: [EventRow], attributes: AttributeRow?, asOfMs: Int64) -> ProfileInputs {
        let n = spec.maxEvents, nc = spec.catFeatures, nn = spec.numFeatures
        var out = ProfileInputs(
            cat: [Int32](repeating: 0, count: n * nc), num: [Float](repeating: 0, count: n * nn),
            static: [Float](repeating: 0, count: spec.staticFeatures))
        // 1.-2. events up to as_of_ms, most recent first (ties: later row first), the max_events newest
        let rows = events.indices.filter { events[$0].tsMs <= asOfMs }
            .sorted { (events[$0].tsMs, $0) > (events[$1].tsMs, $1) }
        let kept = Array(rows.prefix(n))
        for (k, j) in kept.enumerated() {
            let e = events[j]
            let et = clean(e.eventType, spec.eventTypeVocab)
            out.cat[k * nc + 0] = et == ProfileVocabulary.padId ? ProfileVocabulary.oovId : et  // 0 marks padding rows only
            out.cat[k * nc + 1] = clean(e.page, spec.pageVocab)
            out.cat[k * nc + 2] = clean(e.product, spec.productVocab)
            out.cat[k * nc + 3] = hourId(e.tsMs)
            let amount = Double(e.amount), dwell = Double(e.dwellMs)
            if amount.isFinite {
                out.num[k * nn + 0] = z(log1p(abs(amount)), spec.amountMean, spec.amountStd)
            } else {
                out.num[k * nn + 1] = 1
            }
            if dwell.isFinite && dwell >= 0 {
                out.num[k * nn + 2] = z(log1p(dwell), spec.dwellMean, spec.dwellStd)
            } else {
                out.num[k * nn + 3] = 1
            }
            if k + 1 < kept.count {
                let gap = Double(e.tsMs - events[kept[k + 1]].tsMs) / 1000.0
                out.num[k * nn + 4] = z(log1p(gap), spec.gapMean, spec.gapStd)
            }
            let elapsed = Double(asOfMs - e.tsMs) / 1000.0
            out.num[k * nn + 5] = z(log1p(elapsed), spec.elapsedMean, spec.elapsedStd)
        }
        fillStatic(&out.static, attributes: attributes, count: rows.count,
                   lastTs: rows.first.map { events[$0].tsMs }, asOfMs: asOfMs)
        return out
    }

    private func fillStatic(_ s: inout [Float], attributes a: AttributeRow?, count: Int, lastTs: Int64?, asOfMs: Int64) {
        typealias E = ProfileEncoder
        let age = Double(a?.age ?? .nan), tenure = Double(a?.tenureDays ?? .nan)
        if age.isFinite && age >= 0 { s[E.sAge] = z(log1p(age), spec.ageMean, spec.ageStd) } else { s[E.sAge + 1] = 1 }
        let risk = a?.riskLevel ?? 0
        s[E.sRisk + ((1...5).contains(risk) ? risk - 1 : 5)] = 1  // risk_1 … risk_5, risk_missing
        if tenure.isFinite && tenure >= 0 {
            s[E.sTenure] = z(log1p(tenure), spec.tenureMean, spec.tenureStd)
        } else {
            s[E.sTenure + 1] = 1
        }
        s[E.sAum + Int(clean(a?.aumBucket ?? ProfileVocabulary.padId, spec.aumVocab))] = 1
        let hold = E.sAum + spec.aumVocab
        if let a = a {
            for p in 0..<spec.holdings where a.holdings[p] { s[hold + p] = 1 }
        }
        let recency = hold + spec.holdings
        if let last = lastTs {
            s[recency] = z(log1p(Double(asOfMs - last) / 1000.0), spec.recencyMean, spec.recencyStd)
        } else {
            s[recency + 1] = 1
        }
        s[recency + 2] = Float(min(1.0, log1p(Double(count)) / log1p(Double(spec.maxEvents))))
    }

    /// Ids outside `[0, vocab)` become OOV.
    private func clean(_ id: Int32, _ vocab: Int) -> Int32 { id >= 0 && Int(id) < vocab ? id : ProfileVocabulary.oovId }

    /// `floor((ts + offset) / 1 h) mod 24 + 1`, floor division also for negative times.
    func hourId(_ tsMs: Int64) -> Int32 {
        let local = tsMs + Int64(spec.utcOffsetMinutes) * 60_000
        var hours = local / Self.msPerHour
        if local % Self.msPerHour != 0 && local < 0 { hours -= 1 }
        let h = ((hours % 24) + 24) % 24
        return Int32(h + 1)
    }

    private func z(_ v: Double, _ mean: Double, _ std: Double) -> Float { Float((v - mean) / std) }
}
