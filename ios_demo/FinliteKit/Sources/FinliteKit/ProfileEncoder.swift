import Foundation

/// The `Formats.profile` encoder (docs/schema.md §3, finlite/data/profile_features.py): a user's events up to
/// `as_of_ms` and attribute row → `cat`, `num`, `static`, with the columns the bundle's schema gives. Values are
/// computed in Double and rounded to Float, as finlite does.
public struct ProfileEncoder {
    public let spec: ProfileSpec
    static let msPerHour: Int64 = 3_600_000

    public init(spec: ProfileSpec) throws {
        try spec.validate()
        self.spec = spec
    }

    /// Encodes parsed events (in file order; equal timestamps: the later one is more recent) and attributes.
    /// `eventCount`: the user's events up to `asOfMs` when `events` holds only a window of them (the streaming
    /// `ProfileState` keeps the last `maxEvents`); by default they are counted in `events`.
    public func encode(events: [EventRow], attributes: AttributeRow?, asOfMs: Int64, eventCount: Int? = nil) -> ProfileInputs {
        let n = spec.maxEvents, nc = spec.catFeatures, nn = spec.numFeatures
        let cats = spec.schema.eventCategoricals, nums = spec.schema.eventNumerics
        var out = ProfileInputs(
            cat: [Int32](repeating: 0, count: n * nc), num: [Float](repeating: 0, count: n * nn),
            static: [Float](repeating: 0, count: spec.staticFeatures))
        // 1.-2. events up to as_of_ms, most recent first (ties: later row first), the max_events newest
        let rows = events.indices.filter { events[$0].tsMs <= asOfMs }
            .sorted { (events[$0].tsMs, $0) > (events[$1].tsMs, $1) }
        let kept = Array(rows.prefix(n))
        for (k, j) in kept.enumerated() {
            let e = events[j]
            for (i, f) in cats.enumerated() {
                let id = clean(e.cats[i], f.vocabSize)
                out.cat[k * nc + i] = i == 0 && id == ProfileSchema.missingId ? ProfileSchema.oovId : id  // 0 marks padding only
            }
            out.cat[k * nc + nc - 1] = hourId(e.tsMs)
            for (i, f) in nums.enumerated() {
                if let t = transform(Double(e.nums[i]), f) { out.num[k * nn + 2 * i] = spec.z("event." + f.name, t) } else { out.num[k * nn + 2 * i + 1] = 1 }
            }
            if k + 1 < kept.count {
                let gap = Double(e.tsMs - events[kept[k + 1]].tsMs) / 1000.0
                out.num[k * nn + nn - 2] = spec.z("gap", log1p(gap))
            }
            out.num[k * nn + nn - 1] = spec.z("elapsed", log1p(Double(asOfMs - e.tsMs) / 1000.0))
        }
        fillStatic(&out.static, attributes: attributes, count: eventCount ?? rows.count, lastTs: rows.first.map { events[$0].tsMs }, asOfMs: asOfMs)
        return out
    }

    private func fillStatic(_ s: inout [Float], attributes a: AttributeRow?, count: Int, lastTs: Int64?, asOfMs: Int64) {
        var at = 0
        for (i, f) in spec.schema.userFields.enumerated() {
            switch f.kind {
            case "numeric":
                if let t = transform(Double(a?.values[i] ?? .nan), f) { s[at] = spec.z("user." + f.name, t) } else { s[at + 1] = 1 }
                at += 2
            case "categorical":
                s[at + Int(clean(a?.ids[i] ?? ProfileSchema.missingId, f.vocabSize))] = 1  // +0 missing, +1 OOV, +2.. values
                at += f.vocabSize
            default:
                if let a = a { for v in 0..<f.values.count where a.multi[i][v] { s[at + v] = 1 } }
                at += f.values.count
            }
        }
        if let last = lastTs { s[at] = spec.z("recency", log1p(Double(asOfMs - last) / 1000.0)) } else { s[at + 1] = 1 }
        s[at + 2] = Float(Swift.min(1.0, log1p(Double(count)) / log1p(Double(spec.maxEvents))))
    }

    /// The field's transform of a raw value after clipping; nil when the value is missing.
    private func transform(_ raw: Double, _ f: SchemaField) -> Double? {
        guard raw.isFinite else { return nil }
        var v = raw
        if let clip = f.clip { v = Swift.min(Swift.max(v, clip[0]), clip[1]) }
        switch f.transform {
        case "log1p": return v < 0 ? nil : log1p(v)
        case "signed_log1p": return (v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0) * log1p(abs(v))
        default: return v
        }
    }

    /// Ids outside `[0, vocab)` become OOV.
    private func clean(_ id: Int32, _ vocab: Int) -> Int32 { id >= 0 && Int(id) < vocab ? id : ProfileSchema.oovId }

    /// `floor((ts + offset) / 1 h) mod 24 + 1`, floor division also for negative times.
    func hourId(_ tsMs: Int64) -> Int32 {
        let local = tsMs + Int64(spec.utcOffsetMinutes) * 60_000
        var hours = local / Self.msPerHour
        if local % Self.msPerHour != 0 && local < 0 { hours -= 1 }
        let h = ((hours % 24) + 24) % 24
        return Int32(h + 1)
    }
}
