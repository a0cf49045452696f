import Foundation

/// Every parameter of the `Formats.profile` encoder: the `profile` object of a profile bundle's
/// `preprocess.json` (vocabulary sizes, window length, time zone and normalisation constants).
public struct ProfileSpec: Codable, Equatable {
    public var maxEvents: Int
    public var utcOffsetMinutes: Int
    public var eventTypeVocab: Int
    public var pageVocab: Int
    public var productVocab: Int
    public var aumVocab: Int
    public var hourBuckets: Int
    public var holdings: Int
    public var amountMean: Double, amountStd: Double
    public var dwellMean: Double, dwellStd: Double
    public var gapMean: Double, gapStd: Double
    public var elapsedMean: Double, elapsedStd: Double
    public var ageMean: Double, ageStd: Double
    public var tenureMean: Double, tenureStd: Double
    public var recencyMean: Double, recencyStd: Double
    public var eventSchema: String
    public var format: String

    enum CodingKeys: String, CodingKey {
        case holdings, format
        case maxEvents = "max_events", utcOffsetMinutes = "utc_offset_minutes"
        case eventTypeVocab = "event_type_vocab", pageVocab = "page_vocab", productVocab = "product_vocab"
        case aumVocab = "aum_vocab", hourBuckets = "hour_buckets"
        case amountMean = "amount_mean", amountStd = "amount_std", dwellMean = "dwell_mean", dwellStd = "dwell_std"
        case gapMean = "gap_mean", gapStd = "gap_std", elapsedMean = "elapsed_mean", elapsedStd = "elapsed_std"
        case ageMean = "age_mean", ageStd = "age_std", tenureMean = "tenure_mean", tenureStd = "tenure_std"
        case recencyMean = "recency_mean", recencyStd = "recency_std", eventSchema = "event_schema"
    }

    /// Per-event categorical columns (`cat`), numeric columns (`num`) and static columns (`static`), as in
    /// finlite-core's `ProfileSpec`: the widths of the `Formats.profile` layout.
    public var catFeatures: Int { 4 }
    public var numFeatures: Int { 6 }
    /// log_age, age_missing, risk 1..5 + missing, log_tenure, tenure_missing, aum one-hot, holdings, recency, no_events, count.
    public var staticFeatures: Int { 2 + 6 + 2 + aumVocab + holdings + 3 }

    /// Refuses a spec this encoder does not implement (format, event schema, window, hours, constants). The
    /// vocabularies themselves are checked against these sizes by `ProfileVocabulary`.
    public func validate() throws {
        try Formats.check(format, Formats.profile, in: "profile spec")
        try Formats.check(eventSchema, Formats.events, in: "profile spec", field: "event_schema")
        guard maxEvents >= 1, (-720...840).contains(utcOffsetMinutes), hourBuckets == 24 else {
            throw FinliteError.invalid("profile spec: max_events < 1, utc_offset_minutes outside [-720, 840] or hour_buckets not 24")
        }
        let stds = [amountStd, dwellStd, gapStd, elapsedStd, ageStd, tenureStd, recencyStd]
        guard stds.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw FinliteError.invalid("profile spec: every *_std must be finite and > 0")
        }
    }
}
