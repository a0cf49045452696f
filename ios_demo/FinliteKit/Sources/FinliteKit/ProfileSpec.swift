import Foundation

/// Every parameter of the `finlite.profile/1` encoder: the `profile` object of a profile bundle's
/// `preprocess.json` (vocabulary sizes, window length, time zone and normalisation constants).
public struct ProfileSpec: Codable, Equatable {
    public static let format = "finlite.profile/1"

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

    /// Per-event categorical columns (`cat`), numeric columns (`num`) and static columns (`static`).
    public static let catFeatures = 4
    public static let numFeatures = 6
    public static let staticFeatures = 35

    /// Refuses a spec this encoder does not implement (format, schema, vocabulary sizes, constants).
    public func validate() throws {
        guard format == ProfileSpec.format else {
            throw FinliteError.unsupported("profile spec format \(format) (FinliteKit implements \(ProfileSpec.format))")
        }
        guard eventSchema == EventSchema.version else {
            throw FinliteError.unsupported("event schema \(eventSchema) (FinliteKit implements \(EventSchema.version))")
        }
        let expected: [(String, Int, Int)] = [
            ("event_type_vocab", eventTypeVocab, EventSchema.eventTypes.count + 2),
            ("page_vocab", pageVocab, EventSchema.pages.count + 2),
            ("product_vocab", productVocab, EventSchema.products.count + 2),
            ("aum_vocab", aumVocab, EventSchema.aumBuckets.count + 2),
            ("hour_buckets", hourBuckets, 24),
            ("holdings", holdings, EventSchema.products.count),
        ]
        for (name, got, want) in expected where got != want {
            throw FinliteError.invalid("profile spec: \(name) is \(got), the \(EventSchema.version) schema gives \(want)")
        }
        guard maxEvents >= 1, (-720...840).contains(utcOffsetMinutes) else {
            throw FinliteError.invalid("profile spec: max_events < 1 or utc_offset_minutes outside [-720, 840]")
        }
        let stds = [amountStd, dwellStd, gapStd, elapsedStd, ageStd, tenureStd, recencyStd]
        guard stds.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw FinliteError.invalid("profile spec: every *_std must be finite and > 0")
        }
    }
}
