package com.finlite.core.profile

/**
 * One event as the encoder reads it (a row of Python's EventTable): epoch ms (UTC), the ids of the schema's
 * categorical event fields in [ProfileSchema.eventCategoricals] order, and the values of its numeric fields in
 * [ProfileSchema.eventNumerics] order, rounded to float32 (the table stores float32), NaN = missing.
 */
class EventRow(val tsMs: Long, val cats: IntArray, val nums: DoubleArray)

/**
 * A user's attribute row, one entry per user field in schema order: [ids] for categorical fields (0 missing,
 * 1 OOV), [values] for numeric ones (float32-rounded, NaN missing), [multi] for multi fields (1 = has the value).
 * Entries of the other kinds are unused.
 */
class AttributeRow(val ids: IntArray, val values: DoubleArray, val multi: List<IntArray>)

/** The three model inputs of one user, row-major without the batch dimension. */
class ProfileInputs(
    /** int32 `[maxEvents][catFeatures]`: the categorical fields, the hour + 1; row 0 = most recent, padding rows 0. */
    val cat: IntArray,
    /** float32 `[maxEvents][numFeatures]`. */
    val num: FloatArray,
    /** float32 `[staticFeatures]`. */
    val static: FloatArray
)
