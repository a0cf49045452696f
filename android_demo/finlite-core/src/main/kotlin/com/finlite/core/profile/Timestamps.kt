package com.finlite.core.profile

import java.util.regex.Pattern

/**
 * Timestamps of the events file (finlite/data/events.py): integer epoch milliseconds, or ISO 8601 —
 * `2026-05-01T08:30:00Z`, `2026-05-01 08:30:00+08:00`, `2026-05-01T08:30:00.250`, `2026-05-01T08:30`,
 * `2026-05-01` (offsets `Z`, `±hh:mm`, `±hhmm`, `±hh`; no offset = UTC). Fractions below 1 ms are truncated.
 */
object Timestamps {
    private val EPOCH_MS = Pattern.compile("^[+-]?[0-9]{1,18}$")
    // groups: 1 year, 2 month, 3 day, 4 hour, 5 minute, 6 second, 7 fraction, 8 zone, 9 sign, 10 zone hours, 11 zone minutes
    private val ISO = Pattern.compile(
        "^([0-9]{4})-([0-9]{2})-([0-9]{2})" +
            "(?:[Tt ]([01][0-9]|2[0-3])(?::([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?)?)?" +
            " ?([Zz]|([+-])([01][0-9]|2[0-3])(?::?([0-5][0-9]))?)?$"
    )
    private const val MS_PER_DAY = 86_400_000L

    /** Epoch ms (UTC) of [text] in the ISO 8601 form only (digits are not a time here: a policy request's or log's `at`), or null. */
    fun parseIsoOrNull(text: String): Long? = if (EPOCH_MS.matcher(text).matches()) null else parseOrNull(text)

    /** Epoch ms (UTC) of [text], or null when it is neither form (or names a day that does not exist). */
    fun parseOrNull(text: String): Long? {
        if (EPOCH_MS.matcher(text).matches()) return text.toLongOrNull()
        val m = ISO.matcher(text)
        if (!m.matches()) return null
        val year = m.group(1).toInt()
        val month = m.group(2).toInt()
        val day = m.group(3).toInt()
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
        val hour = m.group(4)?.toInt() ?: 0
        val minute = m.group(5)?.toInt() ?: 0
        val second = m.group(6)?.toInt() ?: 0
        val millis = m.group(7)?.let { (it + "00").substring(0, 3).toInt() } ?: 0
        var offsetMinutes = 0
        if (m.group(9) != null) {
            offsetMinutes = m.group(10).toInt() * 60 + (m.group(11)?.toInt() ?: 0)
            if (m.group(9) == "-") offsetMinutes = -offsetMinutes
        }
        return daysFromCivil(year, month, day) * MS_PER_DAY + hour * 3_600_000L + minute * 60_000L +
            second * 1000L + millis - offsetMinutes * 60_000L
    }

    /** Epoch ms of [text]; IllegalArgumentException with the documented message otherwise. */
    fun parse(text: String): Long = parseOrNull(text) ?: throw IllegalArgumentException(
        if (text == "") "empty timestamp"
        else "cannot parse timestamp '$text': expected ISO 8601 (e.g. 2026-05-01T08:30:00Z, 2026-05-01 08:30:00+08:00) or integer epoch milliseconds"
    )

    /** `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC) of epoch ms, as in golden.json's `as_of`. */
    fun format(ms: Long): String {
        val days = floorDiv(ms, MS_PER_DAY)
        val inDay = ms - days * MS_PER_DAY
        val (y, mo, d) = civilFromDays(days)
        return String.format(
            java.util.Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d,
            inDay / 3_600_000L, inDay / 60_000L % 60, inDay / 1000L % 60, inDay % 1000L
        )
    }

    internal fun floorDiv(a: Long, b: Long): Long {
        val q = a / b
        return if ((a % b != 0L) && ((a < 0) != (b < 0))) q - 1 else q
    }

    private fun isLeap(y: Int): Boolean = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0

    private fun daysInMonth(y: Int, m: Int): Int = when (m) {
        2 -> if (isLeap(y)) 29 else 28
        4, 6, 9, 11 -> 30
        else -> 31
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    private fun daysFromCivil(year: Int, month: Int, day: Int): Long {
        val y = (if (month <= 2) year - 1 else year).toLong()
        val era = floorDiv(y, 400)
        val yoe = y - era * 400
        val mp = (month + 9) % 12
        val doy = (153 * mp + 2) / 5 + day - 1
        val doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /** Year, month, day of a day count from 1970-01-01 (H. Hinnant's civil_from_days). */
    internal fun civilFromDays(days: Long): Triple<Int, Int, Int> {
        val z = days + 719468
        val era = floorDiv(z, 146097)
        val doe = z - era * 146097
        val yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        val doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        val mp = (5 * doy + 2) / 153
        val d = (doy - (153 * mp + 2) / 5 + 1).toInt()
        val m = (if (mp < 10) mp + 3 else mp - 9).toInt()
        val y = (yoe + era * 400 + (if (m <= 2) 1 else 0)).toInt()
        return Triple(y, m, d)
    }
}
