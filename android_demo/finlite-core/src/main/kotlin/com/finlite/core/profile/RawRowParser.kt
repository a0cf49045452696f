package com.finlite.core.profile

import java.util.regex.Pattern

/** A raw row that breaks the events / users file rules; the message names the row and the field. */
class RowException(message: String) : IllegalArgumentException(message)

/**
 * Raw events / users rows (cells as strings, keyed by the files' column names, as in the CSV files and
 * golden.json) → [EventRow] / [AttributeRow], with the rules of finlite/data/events.py and the bundle's
 * [schema]: cells are trimmed; categorical values match exactly (unknown → OOV; empty → missing, but OOV in
 * the event-name field); empty numerics are missing (NaN), never zero; a numeric outside the field's
 * `min` / `max` is an error; multi values are split on the field's separator (unknown items ignored).
 */
class RawRowParser(val schema: ProfileSchema) {

    /** One events row; [where] prefixes errors. */
    fun event(row: Map<String, String>, where: String = "events"): EventRow {
        fun cell(column: String): String = (row[column] ?: throw RowException("$where: no column '$column'")).trim()
        val userId = schema.eventUserId
        if (cell(userId) == "") throw RowException("$where, field '$userId': empty $userId")
        val ts = try {
            Timestamps.parse(cell(schema.eventTimestamp))
        } catch (e: IllegalArgumentException) {
            throw RowException("$where, field '${schema.eventTimestamp}': ${e.message}")
        }
        val cats = IntArray(schema.eventCategoricals.size)
        for ((i, f) in schema.eventCategoricals.withIndex()) {
            val text = cell(f.column)
            cats[i] = if (text == "") (if (f.role == "event") OOV_ID else MISSING_ID) else f.ids[text] ?: OOV_ID
        }
        val nums = DoubleArray(schema.eventNumerics.size) { float32(number(cell(schema.eventNumerics[it].column), where, schema.eventNumerics[it])) }
        return EventRow(ts, cats, nums)
    }

    /** One users row. */
    fun attributes(row: Map<String, String>, where: String = "users"): AttributeRow {
        fun cell(column: String): String = (row[column] ?: throw RowException("$where: no column '$column'")).trim()
        val userId = schema.userUserId
        if (cell(userId) == "") throw RowException("$where, field '$userId': empty $userId")
        val fields = schema.userFields
        val ids = IntArray(fields.size)
        val values = DoubleArray(fields.size) { Double.NaN }
        val multi = ArrayList<IntArray>(fields.size)
        for ((i, f) in fields.withIndex()) {
            val text = cell(f.column)
            val hot = IntArray(if (f.kind == "multi") f.values.size else 0)
            when (f.kind) {
                "numeric" -> values[i] = float32(number(text, where, f))
                "categorical" -> ids[i] = if (text == "") MISSING_ID else f.ids[text] ?: OOV_ID
                else -> for (item in text.split(f.separator)) {
                    val id = f.ids[item.trim()] ?: continue // empty or unknown item: ignored
                    hot[id - 2] = 1
                }
            }
            multi.add(hot)
        }
        return AttributeRow(ids, values, multi)
    }

    private fun number(text: String, where: String, f: SchemaField): Double {
        if (text == "") return Double.NaN
        val value = if (NUMBER.matcher(text).matches()) text.toDouble() else Double.NaN
        if (value.isNaN() || value.isInfinite()) throw RowException("$where, field '${f.column}': not a number: '$text'")
        if (Math.abs(value) > Float.MAX_VALUE) { // the tables hold float32
            throw RowException("$where, field '${f.column}': '$text' is not finite or beyond the float32 range (±3.4e38)")
        }
        f.min?.let { if (value < it) throw RowException("$where, field '${f.column}': ${f.name} ${shown(value)} is below the schema's min ${shown(it)}") }
        f.max?.let { if (value > it) throw RowException("$where, field '${f.column}': ${f.name} ${shown(value)} is above the schema's max ${shown(it)}") }
        return value
    }

    private companion object {
        val NUMBER: Pattern = Pattern.compile("^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")

        /** The tables store numeric columns as float32: round exactly as numpy's astype(float32) does. */
        fun float32(v: Double): Double = v.toFloat().toDouble()

        /** A number as Python's `f"{x:g}"` shows an integer-valued bound (`-5`, `120`). */
        fun shown(x: Double): String = if (x == Math.floor(x) && Math.abs(x) < 1e15) x.toLong().toString() else x.toString()
    }
}
