import Foundation

/// One raw events- or users-file row: cell text keyed by the file's column names, `""` = empty (as in golden.json).
/// finlite-core takes the same rows as `Map<String, String>`; `RawRowParser` turns them into `EventRow` / `AttributeRow`.
public typealias RawRow = [String: String]

/// One event as the encoder reads it (a row of Python's EventTable): epoch ms (UTC), the ids of the schema's
/// categorical event fields (`ProfileSchema.eventCategoricals` order) and its numeric fields
/// (`eventNumerics` order) as finlite stores them (float32; NaN = missing).
public struct EventRow: Equatable {
    public var tsMs: Int64
    public var cats: [Int32]
    public var nums: [Float]

    public init(tsMs: Int64, cats: [Int32], nums: [Float]) { (self.tsMs, self.cats, self.nums) = (tsMs, cats, nums) }
}

/// A user's attribute row, one entry per user field in schema order: `ids` for categorical fields (0 missing,
/// 1 OOV), `values` for numeric ones (NaN missing), `multi` for multi fields; entries of the other kinds are unused.
public struct AttributeRow: Equatable {
    public var ids: [Int32]
    public var values: [Float]
    public var multi: [[Bool]]

    public init(ids: [Int32], values: [Float], multi: [[Bool]]) { (self.ids, self.values, self.multi) = (ids, values, multi) }
}

/// The three inputs of a profile model for one user (batch 1), row-major.
public struct ProfileInputs: Equatable {
    /// `[maxEvents × catFeatures]`: the categorical fields, hour + 1 (row 0 = most recent; padding rows 0).
    public var cat: [Int32]
    /// `[maxEvents × numFeatures]`.
    public var num: [Float]
    /// `[staticFeatures]`.
    public var `static`: [Float]
}
