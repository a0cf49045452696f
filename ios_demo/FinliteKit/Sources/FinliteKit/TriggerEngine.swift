import Foundation

/// A trigger that fired at event time `time` (epoch ms) for `group` (its group_by value), with what made it fire.
public struct Firing {
    public let trigger: String
    public let time: Int64
    public let values: JSONValue
    public let group: String?
}

/// The trigger engine of one user, as finlite's Python reference (finlite/realtime/triggers/engine.py): inputs
/// older than the watermark (latest time seen − allowed lateness) are dropped and counted in `late`; the rest is
/// processed in (time, arrival) order once the watermark reaches it; an absence due at d fires once the watermark
/// is past d. `stateText()` / `init(spec:schema:state:)` persist everything as JSON text.
public final class TriggerEngine {
    public static let stateFormat = "finlite.trigger_state/1"
    static let maxDwellEntries = 1024
    private struct Input { let t: Int64; let seq: Int64; let kind: Int64; let payload: JSONValue }
    private struct Timer { let due: Int64; let trigger: String; let group: String }

    public let spec: TriggerSpec
    private let numeric: Set<String>
    private let stages: [String], products: [String]
    private let zone: TimeZone
    private var preds: [String: [String: TriggerPredicates.Predicate]] = [:]
    private var conds: [String: (JSONValue?) -> Bool] = [:]
    private var chainsOf: [String: [String]] = [:]
    private let byId: [String: Trigger]

    public private(set) var late: Int64 = 0
    public private(set) var forced: Int64 = 0
    private var latest: Int64?
    private var seq: Int64 = 0
    private var buffer: [Input] = []  // kept sorted by (t, seq)
    private var timers: [Timer] = []  // kept sorted by (due, trigger, group)
    private var state: [String: [String: JSONValue]] = [:]
    private var fired: [String: [String: (Int64, Int64)]] = [:]
    private var scores: JSONValue?

    public init(spec: TriggerSpec, schema: ProfileSchema) {
        self.spec = spec
        numeric = Set(schema.eventFields.filter { $0.kind == "numeric" }.map { $0.name })
        stages = schema.stages
        products = schema.products
        zone = TimeZone(identifier: spec.timeZone)!
        byId = Dictionary(uniqueKeysWithValues: spec.triggers.map { ($0.id, $0) })
        for t in spec.triggers {
            var p: [String: TriggerPredicates.Predicate] = [:]
            for k in ["match", "unless", "first", "then"] { if let q = t.raw[k] { p[k] = TriggerPredicates.compile(q) } }
            preds[t.id] = p
            for k in ["when", "condition"] { if let c = t.raw[k] { conds[t.id] = TriggerPredicates.condition(c, stages, products) } }
            if t.type == "chain" { for s in t.raw["steps"]!.arrayValue! { chainsOf[s.stringValue!, default: []].append(t.id) } }
            state[t.id] = [:]
            fired[t.id] = [:]
        }
    }

    public var watermark: Int64? { latest.map { $0 - spec.allowedLatenessMs } }

    /// One event (a JSON object of field -> value); returns the firings it made final.
    public func event(_ timeMs: Int64, _ fields: JSONValue) -> [Firing] {
        guard case .object(let pairs) = fields else { return [] }
        let clean: [(String, JSONValue)] = pairs.map { k, v in
            if numeric.contains(k), case .integer(let i) = v { return (k, .number(Double(i))) }
            if numeric.contains(k), case .string(let s) = v, let d = Double(s) { return (k, .number(d)) }
            return (k, v)
        }
        return input(timeMs, 0, .object(clean))
    }

    /// The model's output at `timeMs`: `{"stage": {…}, "tags": {…}, "products": {…}}`.
    public func scores(_ timeMs: Int64, _ scores: JSONValue) -> [Firing] { input(timeMs, 1, scores) }

    /// The clock reads `nowMs`: buffered input and timers up to the new watermark are processed.
    public func tick(_ nowMs: Int64) -> [Firing] { see(nowMs); var out: [Firing] = []; advance(&out); return out }

    private func see(_ t: Int64) { latest = max(latest ?? t, t) }

    private func input(_ t: Int64, _ kind: Int64, _ payload: JSONValue) -> [Firing] {
        if let mark = watermark, t < mark { late += 1; return [] }
        see(t)
        let item = Input(t: t, seq: seq, kind: kind, payload: payload)
        seq += 1
        let at = buffer.firstIndex { ($0.t, $0.seq) > (item.t, item.seq) } ?? buffer.count
        buffer.insert(item, at: at)
        var out: [Firing] = []
        while buffer.count > 10_000 { forced += 1; process(buffer.removeFirst(), &out) }
        advance(&out)
        return out
    }

    private func advance(_ out: inout [Firing]) {
        guard let mark = watermark else { return }
        while true {
            let hasInput = !buffer.isEmpty && buffer[0].t <= mark
            let hasTimer = !timers.isEmpty && timers[0].due < mark
            if hasTimer && (!hasInput || timers[0].due < buffer[0].t) { expire(timers.removeFirst(), &out) }
            else if hasInput { process(buffer.removeFirst(), &out) }
            else { break }
        }
    }

    private func addTimer(_ t: Timer) {
        let at = timers.firstIndex { ($0.due, $0.trigger, $0.group) > (t.due, t.trigger, t.group) } ?? timers.count
        timers.insert(t, at: at)
    }

    private func process(_ item: Input, _ out: inout [Firing]) {
        if item.kind == 1 { onScores(item.t, item.payload, &out); return }
        let e = item.payload
        for trig in spec.triggers where trig.type != "model" && trig.type != "chain" {
            let group = trig.groupBy.flatMap { e[$0]?.stringValue } ?? ""
            let before = state[trig.id]![group]
            let (after, values) = step(trig, before, item.t, e)
            if let a = after, !(a.arrayValue?.isEmpty ?? false) { state[trig.id]![group] = a } else { state[trig.id]![group] = nil }
            if trig.type == "absence", let a = after?.integerValue, a != before?.integerValue {
                addTimer(Timer(due: a + trig.raw["within_ms"]!.integerValue!, trigger: trig.id, group: group))
            }
            if let v = values { fire(trig.id, group, item.t, v, &out) }
        }
    }

    /// One primitive on one event (primitives.py): the group's new state and the firing's values, or nil.
    private func step(_ trig: Trigger, _ before: JSONValue?, _ t: Int64, _ e: JSONValue) -> (JSONValue?, JSONValue?) {
        let p = preds[trig.id]!, raw = trig.raw
        func times(_ s: JSONValue?) -> [Int64] { (s?.arrayValue ?? []).compactMap { $0.integerValue } }
        switch trig.type {
        case "event":
            return (nil, p["match"]!(e) ? e : nil)
        case "sequence", "absence":
            var s = before?.integerValue
            var values: JSONValue?
            let within = raw["within_ms"]!.integerValue!
            if let first = s, p["then"]!(e) {
                if trig.type == "sequence" && t - first <= within {
                    values = .object([("first", .string(TriggerTime.iso(first))), ("elapsed_ms", .integer(t - first))])
                }
                s = nil
            }
            if p["first"]!(e) && (trig.type == "sequence" || s == nil) { s = t }
            return (s.map { .integer($0) }, values)
        default:
            break
        }
        let windowless = trig.type == "dwell" && raw["window_ms"] == nil
        if windowless {
            guard p["match"]!(e), let v = e[raw["field"]!.stringValue!].flatMap(jsonNumber), v >= jsonNumber(raw["min_ms"]!)! else { return (nil, nil) }
            return (nil, .object([(raw["field"]!.stringValue!, .number(v))]))
        }
        var s = before ?? .array([])
        if let u = p["unless"], u(e) { s = .array([]) }
        guard p["match"]!(e) else { return (s, nil) }
        switch trig.type {
        case "dwell":
            guard let v = e[raw["field"]!.stringValue!].flatMap(jsonNumber) else { return (s, nil) }
            let window = raw["window_ms"]!.integerValue!
            var kept = (s.arrayValue ?? []).filter { ($0.arrayValue?[0].integerValue ?? 0) > t - window }.suffix(TriggerEngine.maxDwellEntries - 1).map { $0 }
            kept.append(.array([.integer(t), .number(v)]))
            let total = kept.reduce(0.0) { $0 + jsonNumber($1.arrayValue![1])! }
            let fires = total >= jsonNumber(raw["min_ms"]!)!
            return (.array(kept), fires ? .object([("total", .number(total)), ("events", .integer(Int64(kept.count)))]) : nil)
        case "count":
            let goal = Int(raw["goal"]!.integerValue!), window = raw["window_ms"]!.integerValue!
            var kept = goal > 1 ? Array(times(s).filter { $0 > t - window }.suffix(goal - 1)) : []
            kept.append(t)
            let v: JSONValue? = kept.count >= goal ? .object([("count", .integer(Int64(kept.count))), ("first", .string(TriggerTime.iso(kept[0])))]) : nil
            return (.array(kept.map { .integer($0) }), v)
        default:  // distinct_days
            let day = TriggerTime.localDay(t, zone)
            let kept = (times(s).filter { $0 > day - raw["window_days"]!.integerValue! && $0 != day } + [day]).sorted()
            let v: JSONValue? = kept.count >= Int(raw["goal"]!.integerValue!) ? .object([("days", .array(kept.map { .string(TriggerTime.dateText($0)) }))]) : nil
            return (.array(kept.map { .integer($0) }), v)
        }
    }

    private func expire(_ timer: Timer, _ out: inout [Firing]) {
        guard let trig = byId[timer.trigger], let start = state[timer.trigger]![timer.group]?.integerValue else { return }
        let within = trig.raw["within_ms"]!.integerValue!
        guard start + within == timer.due else { return }
        state[timer.trigger]![timer.group] = nil
        fire(timer.trigger, timer.group, timer.due, .object([("first", .string(TriggerTime.iso(start))), ("waited_ms", .integer(within))]), &out)
    }

    private func onScores(_ t: Int64, _ s: JSONValue, _ out: inout [Firing]) {
        scores = s
        for trig in spec.triggers where trig.type == "model" {
            let now = conds[trig.id]!(s)
            var was = false
            if case .bool(let b)? = state[trig.id]![""] { was = b }
            state[trig.id]![""] = .bool(now)
            if now && !was { fire(trig.id, "", t, TriggerPredicates.values(trig.raw["condition"]!, s, products), &out) }
        }
    }

    private func fire(_ tid: String, _ group: String, _ t: Int64, _ values: JSONValue, _ out: inout [Firing]) {
        let trig = byId[tid]!
        if trig.raw["when"] != nil && !conds[tid]!(scores) { return }
        let record = fired[tid]![group]
        if let r = record {
            if let cap = trig.maxFirings, r.0 >= cap { return }
            if t < r.1 + trig.cooldownMs { return }
        }
        fired[tid]![group] = ((record?.0 ?? 0) + 1, t)
        out.append(Firing(trigger: tid, time: t, values: values, group: trig.groupBy != nil ? group : nil))
        for chain in chainsOf[tid] ?? [] { chainStep(chain, tid, t, &out) }
    }

    private func chainStep(_ cid: String, _ stepId: String, _ t: Int64, _ out: inout [Firing]) {
        let raw = byId[cid]!.raw
        let steps = raw["steps"]!.arrayValue!.map { $0.stringValue! }
        var times = (state[cid]![""]?.arrayValue ?? []).compactMap { $0.integerValue }
        if let first = times.first, t - first > raw["within_ms"]!.integerValue! { times = [] }
        if steps[times.count] == stepId { times.append(t) } else if steps[0] == stepId { times = [t] }
        if times.count == steps.count {
            state[cid]![""] = nil
            fire(cid, "", t, .object([("steps", .array(times.map { .string(TriggerTime.iso($0)) }))]), &out)
        } else if !times.isEmpty {
            state[cid]![""] = .array(times.map { .integer($0) })
        }
    }

    // MARK: persistence

    /// Everything needed to continue, as JSON text tied to the spec by its text.
    public func stateText() -> String {
        var trig: [(String, JSONValue)] = []
        for t in spec.triggers {
            let s = state[t.id]!, f = fired[t.id]!
            if s.isEmpty && f.isEmpty { continue }
            trig.append((t.id, .object([("state", .object(s.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
                                        ("fired", .object(f.sorted { $0.key < $1.key }.map { ($0.key, .array([.integer($0.value.0), .integer($0.value.1)])) }))])))
        }
        let items = buffer.map { JSONValue.array([.integer($0.t), .integer($0.seq), .integer($0.kind), $0.payload]) }
        return JSONValue.object([("format", .string(TriggerEngine.stateFormat)), ("spec", .string(spec.raw.text)),
                                 ("latest", latest.map { .integer($0) } ?? .null), ("seq", .integer(seq)), ("late", .integer(late)),
                                 ("forced", .integer(forced)), ("buffer", .array(items)), ("scores", scores ?? .null), ("triggers", .object(trig))]).text
    }

    /// An engine continuing from `stateText()`; a state of another format or spec is refused.
    public convenience init(spec: TriggerSpec, schema: ProfileSchema, state text: String) throws {
        self.init(spec: spec, schema: schema)
        let o = try StrictJSON.parse(Data(text.utf8))
        guard o["format"]?.stringValue == TriggerEngine.stateFormat else { throw FinliteError.unsupported("trigger state: unsupported format (this engine reads '\(TriggerEngine.stateFormat)')") }
        guard o["spec"]?.stringValue == spec.raw.text else { throw FinliteError.invalid("trigger state: it was saved for another trigger spec") }
        latest = o["latest"]?.integerValue
        seq = o["seq"]?.integerValue ?? 0
        late = o["late"]?.integerValue ?? 0
        forced = o["forced"]?.integerValue ?? 0
        buffer = (o["buffer"]?.arrayValue ?? []).map { a in
            let x = a.arrayValue!
            return Input(t: x[0].integerValue!, seq: x[1].integerValue!, kind: x[2].integerValue!, payload: x[3])
        }
        if let s = o["scores"], case .object = s { scores = s }
        if case .object(let saved)? = o["triggers"] {
            for (tid, entry) in saved {
                guard let trig = byId[tid] else { throw FinliteError.invalid("trigger state: unknown trigger '\(tid)'") }
                if case .object(let groups)? = entry["state"] { for (g, v) in groups { state[tid]![g] = v } }
                if case .object(let groups)? = entry["fired"] { for (g, v) in groups { fired[tid]![g] = (v.arrayValue![0].integerValue!, v.arrayValue![1].integerValue!) } }
                if trig.type == "absence" {
                    for (g, v) in state[tid]! { addTimer(Timer(due: v.integerValue! + trig.raw["within_ms"]!.integerValue!, trigger: tid, group: g)) }
                }
            }
        }
    }
}
