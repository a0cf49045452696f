package com.finlite.core.triggers

import com.finlite.core.json.JsonObject

/**
 * What the trigger and policy readers share (finlite/realtime/spec_reading.py): one-line errors
 * `WHERE, OWNER 'ID', field 'PATH': what [code]` built by [error], and the key, duration, count, number and id checks.
 */
internal open class SpecReading(val where: String, private val owner: String, private val error: (String, String) -> IllegalArgumentException) {
    fun fail(code: String, id: String?, path: String, message: String): IllegalArgumentException {
        val at = if (id != null) "$owner '$id', field '$path'" else "field '$path'"
        return error(code, "$where, $at: $message [$code]")
    }

    /** Unknown keys first (a misspelt key is also a missing one), then the missing ones. */
    fun keys(obj: JsonObject, id: String?, path: String, required: List<String>, optional: List<String>) {
        val all = (required + optional).sorted()
        for (key in obj.map.keys) if (key !in required && key !in optional) throw fail("unknown_key", id, "$path$key", "unknown key; expected one of $all")
        for (key in required) if (!obj.has(key)) throw fail("missing_key", id, "$path$key", "is required")
    }

    fun duration(value: Any?, id: String?, path: String, positive: Boolean = false): Long {
        if (value !is Long) throw fail("bad_type", id, path, "a duration is an integer of milliseconds, got ${shownValue(value)}")
        if (value < 0 || (positive && value == 0L)) throw fail("negative_duration", id, path, "$value must be ${if (positive) "> 0" else ">= 0"}")
        return value
    }

    fun count(value: Any?, id: String?, path: String, high: Long? = null, low: Long = 1L): Long {
        if (value !is Long || value < low || (high != null && value > high)) {
            throw fail("bad_count", id, path, "${shownValue(value)} must be an integer ${if (high != null) "$low..$high" else ">= $low"}")
        }
        return value
    }

    /** A JSON number that is not NaN (booleans are not numbers), within [low, high] when given. */
    fun number(value: Any?, id: String?, path: String, low: Double? = null, high: Double? = null): Double {
        val x = jsonNumber(value) ?: throw fail("bad_type", id, path, "${shownValue(value)} is not a number")
        if ((low != null && x < low) || (high != null && x > high)) throw fail("bad_type", id, path, "${shownValue(value)} must be in [$low, $high]")
        return x
    }

    fun ident(value: Any?, id: String?, path: String): String {
        if (value !is String || !ID_RE.matches(value)) throw fail("bad_id", id, path, "${shownValue(value)} is not an id (a letter, then letters, digits, _ . -)")
        return value
    }

    /** An IANA zone id the platform knows (java.util.TimeZone; API 23 has no java.time). */
    fun zone(value: Any?, path: String = "time_zone"): String {
        if (value !is String || !knownZone(value)) throw fail("bad_time_zone", null, path, "${shownValue(value)} is not an IANA time zone")
        return value
    }

    companion object {
        fun knownZone(name: String): Boolean = java.util.TimeZone.getAvailableIDs().contains(name)

        val ID_RE = Regex("^[A-Za-z][A-Za-z0-9_.-]{0,63}$")

        /** A JSON number that is not NaN (booleans are not numbers), as a Double; null otherwise. */
        fun jsonNumber(v: Any?): Double? = when (v) {
            is Long -> v.toDouble()
            is Double -> if (v.isNaN()) null else v
            else -> null
        }
    }
}
