import Foundation

/// The demo's offer card: the "why am I seeing this" text of a decision (the offer's why, the conditions it
/// passed, the trigger, the arm; docs/policy.md, "Output"), and the exposure log kept in a file so the caps
/// hold across app restarts, with "reset my profile".
public enum OfferFeed {
    private static func number(_ v: JSONValue?) -> String {
        switch v {
        case .number(let d)?: return String(format: "%.2f", d)
        case .integer(let i)?: return String(i)
        case nil, .null?: return "?"
        case let x?: return x.stringValue ?? x.text
        }
    }

    /// One line per passed rule of an eligibility record that says why the offer fits, or nil.
    public static func reason(_ c: JSONValue) -> String? {
        guard PolicyEligibility.passed(c), let check = c["check"]?.stringValue else { return nil }
        switch check {
        case "tag":
            let bounds = [c["min"].map { "≥ \(number($0))" }, c["max"].map { "≤ \(number($0))" }].compactMap { $0 }
            return "\(c["tag"]!.stringValue!.replacingOccurrences(of: "_", with: " ")) \(number(c["value"])) " + bounds.joined(separator: " and ")
        case "stage": return "stage \(number(c["value"])) is one of \(c["stages"]!.text)"
        case "propensity_min": return "propensity \(number(c["value"])) ≥ \(number(c["min"]))"
        case "top_k": return "product ranks \(number(c["value"])) ≤ \(number(c["k"]))"
        case "attribute": return "\(c["attribute"]!.stringValue!) \(number(c["value"])) \(c["op"]!.stringValue!.replacingOccurrences(of: "_", with: " ")) \(c["expected"]!.text)"
        case "suitability": return "risk level \(number(c["offer_risk"])) ≤ your declared \(number(c["user_risk"]))"
        default: return nil
        }
    }

    /// The card's text: the chosen offers with their why and reasons, or why nothing is shown.
    public static func card(_ decision: JSONValue) -> String {
        var s = ""
        let offers = decision["offers"]?.arrayValue ?? []
        for o in offers {
            let shown = o["shown"].map { $0.text == "true" } ?? false
            s += shown ? "Offer: \(o["offer"]!.stringValue!) (\(o["channel"]!.stringValue!))\n" : "Would offer (holdout, not shown): \(o["offer"]!.stringValue!)\n"
            s += "   \(o["why"]!.stringValue!)\n"
            for c in o["checks"]?.arrayValue ?? [] { if let r = reason(c) { s += "   · \(r)\n" } }
            if let t = o["trigger"]?.stringValue { s += "   · because: \(t)\n" }
        }
        if offers.isEmpty {
            s += "No offer now.\n"
            for r in decision["rejected"]?.arrayValue ?? [] { s += "   \(r["offer"]!.stringValue!): \(r["check"]!["check"]!.stringValue!)\n" }
        }
        return s + "   · experiment arm: \(decision["arm"]!.stringValue!)\n"
    }
}

/// The exposure log in a JSON-lines file: loaded at start, saved after each decision, so caps and de-dup hold
/// across restarts; `reset` appends the user's reset (the app also clears the profile and trigger state).
public final class OfferStore {
    public let url: URL
    public let log: ExposureLog

    public init(url: URL, device: String) throws {
        self.url = url
        let text = FileManager.default.fileExists(atPath: url.path) ? try String(contentsOf: url, encoding: .utf8) : ""
        log = try ExposureLog(device: device, entries: try ExposureLog.readEntries(text, where: url.lastPathComponent))
    }

    public func save() throws { try Data(log.toLines().utf8).write(to: url, options: .atomic) }

    /// "Reset my profile" for the log: the user's exposures up to `atMs` are erased; saved at once.
    public func reset(user: String, atMs: Int64) throws {
        try log.reset(user: user, at: atMs)
        try save()
    }
}
