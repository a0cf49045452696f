import Foundation

/// What the demo app keeps on the phone for offers, in one folder: the exposure log (so caps and de-dup hold across
/// app restarts), the profile state and the trigger state. "Reset my profile" deletes both states and appends a reset
/// to the log, which erases the user's exposures (docs/policy.md, "The exposure log"). Android: the demo's OfferStore.kt.
public final class OfferStore {
    public let directory: URL
    public let log: ExposureLog
    private var logURL: URL { directory.appendingPathComponent("exposures.jsonl") }
    public var profileStateURL: URL { directory.appendingPathComponent("profile_state.bin") }
    public var triggerStateURL: URL { directory.appendingPathComponent("trigger_state.json") }
    private var anchorURL: URL { directory.appendingPathComponent("synthetic_anchor_ms") }

    /// The folder's saved log; a broken file is an error naming its line, never silently replaced.
    public init(directory: URL, device: String) throws {
        self.directory = directory
        let url = directory.appendingPathComponent("exposures.jsonl")
        let text = FileManager.default.fileExists(atPath: url.path) ? try String(contentsOf: url, encoding: .utf8) : ""
        log = try ExposureLog(device: device, entries: try ExposureLog.readEntries(text, where: url.path))
    }

    /// Writes the whole log atomically, so a crash never leaves half a log.
    public func saveLog() throws { try write(logURL, Data(log.toLines().utf8)) }

    public func saveProfileState(_ bytes: Data) throws { try write(profileStateURL, bytes) }

    public func saveTriggerState(_ text: String) throws { try write(triggerStateURL, Data(text.utf8)) }

    /// The saved profile state's bytes, or nil.
    public func profileState() throws -> Data? { try read(profileStateURL) }

    /// The saved trigger state's text, or nil.
    public func triggerState() throws -> String? {
        guard let data = try read(triggerStateURL) else { return nil }
        guard let text = String(data: data, encoding: .utf8) else { throw FinliteError.invalid("\(triggerStateURL.path): not UTF-8 text") }
        return text
    }

    /// The time of `user`'s latest "reset my profile", or nil: events before it are not fed again.
    public func resetAt(user: String) -> Int64? { log.filter { $0.kind == "reset" && $0.user == user }.map(\.at).max() }

    /// When the built-in synthetic history ends: the first start's `nowMs`, kept so a restart sees the same events.
    public func anchorMs(nowMs: Int64) throws -> Int64 {
        if let data = try read(anchorURL), let text = String(data: data, encoding: .utf8),
           let ms = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return ms }
        try write(anchorURL, Data(String(nowMs).utf8))
        return nowMs
    }

    /// The rows of `events` (`column` their timestamps) not yet in the saved states: newer than `newestMs` (the
    /// restored profile state's newest event) and after `user`'s latest reset.
    public func freshEvents(_ events: [RawRow], column: String, user: String, newestMs: Int64?) throws -> [RawRow] {
        guard let after = [newestMs, resetAt(user: user)].compactMap({ $0 }).max() else { return events }
        return try events.filter { row in
            guard let text = row[column] else { throw FinliteError.invalid("event row without '\(column)'") }
            return try Timestamps.parse(text) > after
        }
    }

    /// "Reset my profile": the profile and trigger states are deleted and a reset entry is appended and saved.
    public func resetProfile(user: String, nowMs: Int64) throws {
        for url in [profileStateURL, triggerStateURL] where FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.removeItem(at: url)
        }
        try log.reset(user: user, at: nowMs)
        try saveLog()
    }

    private func read(_ url: URL) throws -> Data? {
        FileManager.default.fileExists(atPath: url.path) ? try Data(contentsOf: url) : nil
    }

    private func write(_ url: URL, _ data: Data) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}
