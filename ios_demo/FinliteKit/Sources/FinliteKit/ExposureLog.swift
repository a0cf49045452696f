import Foundation

/// A log line that is not an entry, or two logs disagreeing on one entry (`[conflict]`).
public struct ExposureLogError: Error, CustomStringConvertible { public let description: String }

/// One entry of the exposure log: an `exposure` (delivered, or would-be delivered in a holdout) or a `reset`.
public struct ExposureEntry: Equatable {
    public let id, kind, user: String
    public let at: Int64
    public var offer = "", category = "", channel = "", arm = ""
    public var shown = true

    static let exposureKeys = ["id", "kind", "user", "offer", "category", "channel", "at", "arm", "shown"]
    static let resetKeys = ["id", "kind", "user", "at"]

    public func toJSON() -> JSONValue {
        if kind == "reset" { return .object([("id", .string(id)), ("kind", .string(kind)), ("user", .string(user)), ("at", .string(TriggerTime.iso(at)))]) }
        return .object([("id", .string(id)), ("kind", .string(kind)), ("user", .string(user)), ("offer", .string(offer)), ("category", .string(category)),
                        ("channel", .string(channel)), ("at", .string(TriggerTime.iso(at))), ("arm", .string(arm)), ("shown", .bool(shown))])
    }

    public static func fromJSON(_ data: JSONValue, where place: String) throws -> ExposureEntry {
        guard case .object = data, let kind = data["kind"]?.stringValue, ["exposure", "reset"].contains(kind) else {
            throw ExposureLogError(description: "\(place): an entry is a JSON object with kind exposure or reset")
        }
        let keys = kind == "reset" ? resetKeys : exposureKeys
        if Set(data.keys) != Set(keys) { throw ExposureLogError(description: "\(place): a \(kind) entry has exactly the keys \(keys), got \(data.keys.sorted())") }
        for k in keys where k != "shown" && (data[k]?.stringValue ?? "").isEmpty { throw ExposureLogError(description: "\(place), field '\(k)': a non-empty string is needed") }
        var flag = true
        if kind == "exposure" {
            guard case .bool(let b)? = data["shown"] else { throw ExposureLogError(description: "\(place), field 'shown': true or false") }
            flag = b
        }
        let id = data["id"]!.stringValue!
        let cut = id.lastIndex(of: ":")
        let seq = cut.map { String(id[id.index(after: $0)...]) } ?? ""
        guard let c = cut, c > id.startIndex, !seq.isEmpty, seq.count <= 18, seq.allSatisfy({ $0.isASCII && $0.isNumber }), !seq.hasPrefix("0") else {
            throw ExposureLogError(description: "\(place), field 'id': '\(id)' is not DEVICE:SEQUENCE (a number from 1)")
        }
        guard let at = try? Timestamps.parseISO(data["at"]!.stringValue!) else { throw ExposureLogError(description: "\(place), field 'at': '\(data["at"]!.stringValue!)' is not an ISO 8601 time") }
        var e = ExposureEntry(id: id, kind: kind, user: data["user"]!.stringValue!, at: at)
        if kind == "exposure" {
            (e.offer, e.category, e.channel, e.arm) = (data["offer"]!.stringValue!, data["category"]!.stringValue!, data["channel"]!.stringValue!, data["arm"]!.stringValue!)
            e.shown = flag
        }
        return e
    }
}

/// Code-point order of two strings (Python's str order), then the (at, id) order of the log.
func codePointLess(_ a: String, _ b: String) -> Bool { a.unicodeScalars.map { $0.value }.lexicographicallyPrecedes(b.unicodeScalars.map { $0.value }) }
private func before(_ a: ExposureEntry, _ b: ExposureEntry) -> Bool { a.at != b.at ? a.at < b.at : codePointLess(a.id, b.id) }

/// The append-only, mergeable exposure log (finlite/realtime/policy/exposure_log.py): entries in (at, id) order,
/// merge = union by id, a reset erases the user's exposures at or before it (also those merged later); this
/// device numbers its entries from the highest sequence of its own it has seen + 1.
public final class ExposureLog: Sequence {
    public let device: String
    private var byId: [String: ExposureEntry] = [:]
    private var resets: [String: Int64] = [:]
    private var entries: [ExposureEntry] = []
    private var byUser: [String: [ExposureEntry]] = [:]
    private var high: Int64 = 0

    public init(device: String, entries: [ExposureEntry] = []) throws {
        if device.isEmpty || device.contains(":") { throw ExposureLogError(description: "device '\(device)': a non-empty id without ':' is needed") }
        self.device = device
        try merge(entries)
    }

    public func makeIterator() -> IndexingIterator<[ExposureEntry]> { entries.makeIterator() }
    public var count: Int { entries.count }

    /// The user's exposures at or before `untilMs`, oldest first.
    public func forUser(_ user: String, until untilMs: Int64) -> [ExposureEntry] {
        (byUser[user] ?? []).filter { $0.kind == "exposure" && $0.at <= untilMs }
    }

    func nextId() -> String { "\(device):\(high + 1)" }

    @discardableResult
    public func appendExposure(user: String, offer: String, category: String, channel: String, at: Int64, arm: String, shown: Bool) throws -> ExposureEntry {
        let e = ExposureEntry(id: nextId(), kind: "exposure", user: user, at: at, offer: offer, category: category, channel: channel, arm: arm, shown: shown)
        try merge([e])
        return e
    }

    /// "Reset my profile": the user's exposures at or before `at` are dropped and stop counting.
    @discardableResult
    public func reset(user: String, at: Int64) throws -> ExposureEntry {
        let e = ExposureEntry(id: nextId(), kind: "reset", user: user, at: at)
        try merge([e])
        return e
    }

    /// Union by id; the same id with other content is a `[conflict]`.
    public func merge(_ incoming: [ExposureEntry]) throws {
        var rebuild = false
        for e in incoming {
            if e.kind == "exposure", let r = resets[e.user], e.at <= r { continue }  // erased by a reset this log has seen
            if let known = byId[e.id] {
                if known != e { throw ExposureLogError(description: "log entry '\(e.id)' differs between the two logs [conflict]") }
                continue
            }
            byId[e.id] = e
            let colon = e.id.lastIndex(of: ":")!  // checked when read; 'phone:srv:7' is device 'phone:srv''s, not 'phone''s
            if e.id[..<colon] == device, let seq = Int64(e.id[e.id.index(after: colon)...]) { high = Swift.max(high, seq) }
            if e.kind == "reset" {
                resets[e.user] = Swift.max(e.at, resets[e.user] ?? e.at)
                rebuild = true
            } else if !rebuild && (entries.last.map { before($0, e) } ?? true) {
                entries.append(e)
                byUser[e.user, default: []].append(e)
            } else {
                rebuild = true
            }
        }
        if rebuild {
            byId = byId.filter { _, e in e.kind == "reset" || e.at > (resets[e.user] ?? e.at - 1) }
            entries = byId.values.sorted(by: before)
            byUser = [:]
            for e in entries { byUser[e.user, default: []].append(e) }
        }
    }

    /// JSON lines, one entry per line.
    public func toLines() -> String { entries.map { $0.toJSON().text + "\n" }.joined() }

    public static func readEntries(_ text: String, where place: String = "log") throws -> [ExposureEntry] {
        var out: [ExposureEntry] = []
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let data: JSONValue
            do { data = try StrictJSON.parse(Data(line.utf8)) } catch { throw ExposureLogError(description: "\(place) line \(i + 1): not JSON (\(error))") }
            out.append(try ExposureEntry.fromJSON(data, where: "\(place) line \(i + 1)"))
        }
        return out
    }
}
