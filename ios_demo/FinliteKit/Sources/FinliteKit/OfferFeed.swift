import Foundation

/// The demo's offer card: the "why am I seeing this" text of a decision (the offer's why, the conditions it
/// passed, the trigger, the arm; docs/policy.md, "Output"), and the exposure log kept in a file so the caps
/// hold across app restarts, with "reset my profile".
public enum OfferFeed {
    /// The model's scores as a request's score source: stage probabilities, tags, the top products' propensities.
    public static func scores(_ p: ProfilePrediction) -> JSONValue {
        func sorted(_ d: [String: Double]) -> JSONValue { .object(d.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }) }
        return .object([("stage", sorted(p.stageProbs.mapValues { Double($0) })), ("tags", sorted(p.tags)),
                        ("products", .object(p.topProducts.map { ($0.product, .number(Double($0.propensity))) }))])
    }

    /// The attributes row (column -> text, as the users file holds it) typed by the schema; empty = missing.
    public static func attributes(_ row: RawRow, schema: ProfileSchema) throws -> JSONValue {
        var out: [(String, JSONValue)] = []
        for f in schema.userFields {
            guard let text = row[f.column], !text.isEmpty else { continue }
            switch f.kind {
            case "numeric":
                guard let x = Double(text) else { throw FinliteError.invalid("attributes, column '\(f.column)': '\(text)' is not a number") }
                out.append((f.name, .number(x)))
            case "multi": out.append((f.name, .array(text.components(separatedBy: f.separator).filter { !$0.isEmpty }.map(JSONValue.string))))
            default: out.append((f.name, .string(text)))
            }
        }
        return .object(out)
    }

    /// A request for `user` at `atMs` on the channels available now; `zone` the user's time zone (nil: the policy's).
    public static func request(user: String, atMs: Int64, trigger: String?, channels: [String], attributes: JSONValue, scores: JSONValue?, zone: String?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("at", .string(TriggerTime.iso(atMs))), ("user", .string(user)), ("trigger", trigger.map(JSONValue.string) ?? .null),
                                            ("channels", .array(channels.map(JSONValue.string))), ("attributes", attributes),
                                            ("scores", .object(scores.map { [("default", $0)] } ?? []))]
        if let zone = zone { pairs.append(("time_zone", .string(zone))) }
        return .object(pairs)
    }

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
