package com.finlite.core.profile

/** Id 0 = padding (no event / no value), 1 = out of vocabulary; known values start at 2 (finlite.events/1). */
const val PAD_ID = 0
const val OOV_ID = 1

/**
 * One event as the encoder reads it (the columns of Python's EventTable): vocabulary ids, epoch ms (UTC),
 * and `amount` / `dwellMs` already rounded to float32 (the table stores float32), NaN = missing.
 */
class EventRow(
    val tsMs: Long,
    val eventType: Int,
    val page: Int,
    val product: Int,
    val amount: Double,
    val dwellMs: Double
)

/**
 * A user's attribute row: `age` / `tenureDays` float32-rounded (NaN = missing), `riskLevel` 0 = missing,
 * `holdings` one entry per product column (non-zero = held), `aumBucket` an id (0 missing, 1 OOV).
 */
class AttributeRow(
    val age: Double,
    val riskLevel: Int,
    val tenureDays: Double,
    val holdings: IntArray,
    val aumBucket: Int
)

/** The three model inputs of one user, row-major without the batch dimension. */
class ProfileInputs(
    /** int32 `[maxEvents][4]`: event type, page, product, hour + 1; row 0 = most recent, padding rows 0. */
    val cat: IntArray,
    /** float32 `[maxEvents][6]`: log amount, amount missing, log dwell, dwell missing, log gap, log elapsed. */
    val num: FloatArray,
    /** float32 `[staticFeatures]`. */
    val static: FloatArray
)
