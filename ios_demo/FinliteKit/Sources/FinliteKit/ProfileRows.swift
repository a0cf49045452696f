import Foundation

/// One raw events-file row (`Formats.events`), cells as text, `""` = empty (as in golden.json). finlite-core
/// takes the same rows as `Map<String, String>`; `RawRowParser.event` turns one into an `EventRow`.
public struct RawEventRow: Codable, Equatable {
    public var userId: String
    public var timestamp: String
    public var eventType: String
    public var page: String
    public var product: String
    public var amount: String
    public var dwellMs: String

    enum CodingKeys: String, CodingKey {
        case timestamp, page, product, amount
        case userId = "user_id", eventType = "event_type", dwellMs = "dwell_ms"
    }

    public init(userId: String, timestamp: String, eventType: String, page: String, product: String,
                amount: String, dwellMs: String) {
        (self.userId, self.timestamp, self.eventType, self.page) = (userId, timestamp, eventType, page)
        (self.product, self.amount, self.dwellMs) = (product, amount, dwellMs)
    }
}

/// One raw users-file row (`Formats.events`), cells as text; `RawRowParser.attributes` turns it into an `AttributeRow`.
public struct RawAttributeRow: Codable, Equatable {
    public var userId: String
    public var age: String
    public var riskLevel: String
    public var tenureDays: String
    /// `;`-separated products.
    public var holdings: String
    public var aumBucket: String

    enum CodingKeys: String, CodingKey {
        case age, holdings
        case userId = "user_id", riskLevel = "risk_level", tenureDays = "tenure_days", aumBucket = "aum_bucket"
    }

    public init(userId: String, age: String, riskLevel: String, tenureDays: String, holdings: String, aumBucket: String) {
        (self.userId, self.age, self.riskLevel) = (userId, age, riskLevel)
        (self.tenureDays, self.holdings, self.aumBucket) = (tenureDays, holdings, aumBucket)
    }
}

/// One event as the encoder reads it (the columns of Python's EventTable): vocabulary ids, epoch ms (UTC), and
/// the numerics as finlite stores them (float32; NaN = missing).
public struct EventRow: Equatable {
    public var tsMs: Int64
    public var eventType: Int32
    public var page: Int32
    public var product: Int32
    public var amount: Float
    public var dwellMs: Float

    public init(tsMs: Int64, eventType: Int32, page: Int32, product: Int32, amount: Float, dwellMs: Float) {
        (self.tsMs, self.eventType, self.page, self.product, self.amount, self.dwellMs) = (tsMs, eventType, page, product, amount, dwellMs)
    }
}

/// A user's attribute row: `age` / `tenureDays` NaN = missing, `riskLevel` 0 = missing, `holdings` one entry per
/// holdings column (`ProfileVocabulary.holdingProducts`), `aumBucket` an id (0 missing, 1 OOV).
public struct AttributeRow: Equatable {
    public var age: Float
    public var riskLevel: Int
    public var tenureDays: Float
    public var holdings: [Bool]
    public var aumBucket: Int32

    public init(age: Float, riskLevel: Int, tenureDays: Float, holdings: [Bool], aumBucket: Int32) {
        (self.age, self.riskLevel, self.tenureDays, self.holdings, self.aumBucket) = (age, riskLevel, tenureDays, holdings, aumBucket)
    }
}

/// The three inputs of a profile model for one user (batch 1), row-major.
public struct ProfileInputs: Equatable {
    /// `[maxEvents × catFeatures]`: event_type, page, product, hour + 1 (row 0 = most recent; padding rows 0).
    public var cat: [Int32]
    /// `[maxEvents × numFeatures]`: log amount, amount missing, log dwell, dwell missing, log gap, log elapsed.
    public var num: [Float]
    /// `[staticFeatures]`: attributes, holdings, recency, event count.
    public var `static`: [Float]
}
