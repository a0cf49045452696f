package com.finlite.core.profile

import java.util.regex.Pattern

/** A raw row that breaks the events / users file rules; the message names the row and the field. */
class RowException(message: String) : IllegalArgumentException(message)

/**
 * Raw events / users rows (cells as strings, as in the CSV files and golden.json) → [EventRow] / [AttributeRow],
 * with the rules of finlite/data/events.py: cells are trimmed; categories match exactly (unknown → OOV,
 * empty product → `none`, empty event type / page → OOV, empty AUM bucket → missing); empty numerics are
 * missing (NaN), never zero; `amount` may be negative, `dwell_ms` / `tenure_days` must be >= 0, `age` 0..120,
 * `risk_level` 1..5 or empty; `holdings` is `;`-separated (unknown products ignored).
 */
class RawRowParser(val vocabulary: ProfileVocabulary) {
    private val noneProduct: Int = vocabulary.products["none"] ?: OOV_ID
    private val holdingColumn: Map<String, Int> = vocabulary.holdingProducts.withIndex().associate { it.value to it.index }

    /** One events row (`user_id, timestamp, event_type, page, product, amount, dwell_ms`); [where] prefixes errors. */
    fun event(row: Map<String, String>, where: String = "events"): EventRow {
        fun cell(name: String): String = (row[name] ?: throw RowException("$where: no column '$name'")).trim()
        if (cell("user_id") == "") throw RowException("$where, field 'user_id': empty user_id")
        val ts = try {
            Timestamps.parse(cell("timestamp"))
        } catch (e: IllegalArgumentException) {
            throw RowException("$where, field 'timestamp': ${e.message}")
        }
        val amount = number(cell("amount"), where, "amount")
        val dwell = number(cell("dwell_ms"), where, "dwell_ms")
        if (dwell < 0) throw RowException("$where, field 'dwell_ms': negative dwell_ms ${cell("dwell_ms")} (must be >= 0)")
        val product = cell("product")
        return EventRow(
            tsMs = ts,
            eventType = vocabulary.eventTypes[cell("event_type")] ?: OOV_ID,
            page = vocabulary.pages[cell("page")] ?: OOV_ID,
            product = if (product == "") noneProduct else vocabulary.products[product] ?: OOV_ID,
            amount = float32(amount),
            dwellMs = float32(dwell)
        )
    }

    /** One users row (`user_id, age, risk_level, tenure_days, holdings, aum_bucket`). */
    fun attributes(row: Map<String, String>, where: String = "users"): AttributeRow {
        fun cell(name: String): String = (row[name] ?: throw RowException("$where: no column '$name'")).trim()
        if (cell("user_id") == "") throw RowException("$where, field 'user_id': empty user_id")
        val age = number(cell("age"), where, "age")
        if (age < 0 || age > 120) throw RowException("$where, field 'age': age ${cell("age")} out of range 0..120")
        val riskText = cell("risk_level")
        val risk = if (riskText == "") 0 else {
            val r = if (NUMBER.matcher(riskText).matches()) riskText.toDouble() else Double.NaN
            if (r != 1.0 && r != 2.0 && r != 3.0 && r != 4.0 && r != 5.0) {
                throw RowException("$where, field 'risk_level': risk_level must be an integer 1..5, found '$riskText'")
            }
            r.toInt()
        }
        val tenure = number(cell("tenure_days"), where, "tenure_days")
        if (tenure < 0) throw RowException("$where, field 'tenure_days': negative tenure_days ${cell("tenure_days")}")
        val holdings = IntArray(vocabulary.holdingProducts.size)
        for (item in cell("holdings").split(";")) {
            val column = holdingColumn[item.trim()] ?: continue // empty or unknown item: ignored
            holdings[column] = 1
        }
        val aumText = cell("aum_bucket")
        return AttributeRow(
            age = float32(age),
            riskLevel = risk,
            tenureDays = float32(tenure),
            holdings = holdings,
            aumBucket = if (aumText == "") PAD_ID else vocabulary.aumBuckets[aumText] ?: OOV_ID
        )
    }

    private fun number(text: String, where: String, field: String): Double {
        if (text == "") return Double.NaN
        val value = if (NUMBER.matcher(text).matches()) text.toDouble() else Double.NaN
        if (value.isNaN() || value.isInfinite()) throw RowException("$where, field '$field': not a number: '$text'")
        return value
    }

    private companion object {
        val NUMBER: Pattern = Pattern.compile("^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")

        /** The tables store these columns as float32: round exactly as numpy's astype(float32) does. */
        fun float32(v: Double): Double = v.toFloat().toDouble()
    }
}
