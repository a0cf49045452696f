import Foundation

/// The `profile` object of a profile bundle's `preprocess.json` (`Formats.profile`, docs/schema.md §3): window
/// length, time zone, the normalisation constants and the data `schema`.
public struct ProfileSpec: Decodable, Equatable {
    public struct Norm: Decodable, Equatable { public var mean: Double; public var std: Double }

    public let maxEvents: Int
    public let utcOffsetMinutes: Int
    /// `event.<field>`, `user.<field>`, `gap`, `elapsed`, `recency` → mean and std.
    public let norms: [String: Norm]
    public let schema: ProfileSchema

    enum CodingKeys: String, CodingKey { case format, maxEvents = "max_events", utcOffsetMinutes = "utc_offset_minutes", norms, schema }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try Formats.check(try c.decode(String.self, forKey: .format), Formats.profile, in: "profile spec")
        maxEvents = try c.decode(Int.self, forKey: .maxEvents)
        utcOffsetMinutes = try c.decode(Int.self, forKey: .utcOffsetMinutes)
        norms = try c.decode([String: Norm].self, forKey: .norms)
        schema = try c.decode(ProfileSchema.self, forKey: .schema)
    }

    /// Embedding rows of each `cat` column: the categorical event fields, then the hour (25).
    public var catVocabs: [Int] { schema.eventCategoricals.map(\.vocabSize) + [25] }
    public var catFeatures: Int { catVocabs.count }
    /// Value and missing flag per numeric event field, then log gap and log elapsed.
    public var numFeatures: Int { 2 * schema.eventNumerics.count + 2 }
    public var staticFeatures: Int {
        schema.userFields.reduce(3) { sum, f in sum + (f.kind == "numeric" ? 2 : f.kind == "categorical" ? f.vocabSize : f.values.count) }
    }

    /// Refuses a spec this encoder does not implement (window, time zone, constants).
    public func validate() throws {
        guard maxEvents >= 1, (-720...840).contains(utcOffsetMinutes) else {
            throw FinliteError.invalid("profile spec: max_events < 1 or utc_offset_minutes outside [-720, 840]")
        }
        let expected = schema.eventNumerics.map { "event." + $0.name } + schema.userFields.filter { $0.kind == "numeric" }.map { "user." + $0.name }
            + ["gap", "elapsed", "recency"]
        guard Set(norms.keys) == Set(expected) else {
            throw FinliteError.invalid("profile spec: norms must have exactly the keys \(expected), found \(norms.keys.sorted())")
        }
        guard norms.values.allSatisfy({ $0.mean.isFinite && $0.std.isFinite && $0.std > 0 }) else {
            throw FinliteError.invalid("profile spec: every norm needs a finite mean and a finite std > 0")
        }
    }

    /// `(t - mean) / std` of the normalised quantity `key`, in Double, rounded to Float.
    func z(_ key: String, _ t: Double) -> Float {
        let n = norms[key] ?? Norm(mean: 0, std: 1)
        return Float((t - n.mean) / n.std)
    }
}
