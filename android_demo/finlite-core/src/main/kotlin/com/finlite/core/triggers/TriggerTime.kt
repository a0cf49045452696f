package com.finlite.core.triggers

import java.util.TimeZone

/** Times of the trigger engine: epoch ms (UTC) to ISO text and to local calendar days (API 23: no java.time). */
object TriggerTime {
    private const val DAY_MS = 86_400_000L
    /** Days from 0001-01-01 (ordinal 1, as Python's date.toordinal) to 1970-01-01. */
    const val EPOCH_ORDINAL = 719_163L

    private fun floorDiv(a: Long, b: Long): Long { val q = a / b; return if ((a % b != 0L) && ((a < 0) != (b < 0))) q - 1 else q }

    /** Year, month, day of a day count from 1970-01-01 (H. Hinnant's civil_from_days). */
    private fun civil(epochDay: Long): IntArray {
        val z = epochDay + 719_468
        val era = floorDiv(z, 146_097)
        val doe = z - era * 146_097
        val yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        val doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        val mp = (5 * doy + 2) / 153
        val d = (doy - (153 * mp + 2) / 5 + 1).toInt()
        val m = (if (mp < 10) mp + 3 else mp - 9).toInt()
        return intArrayOf((yoe + era * 400 + (if (m <= 2) 1 else 0)).toInt(), m, d)
    }

    private fun two(n: Int) = if (n < 10) "0$n" else "$n"

    /** `YYYY-MM-DD` of a proleptic Gregorian ordinal. */
    fun dateText(ordinal: Long): String {
        val (y, m, d) = civil(ordinal - EPOCH_ORDINAL).let { Triple(it[0], it[1], it[2]) }
        return "${y.toString().padStart(4, '0')}-${two(m)}-${two(d)}"
    }

    /** Epoch ms -> `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
    fun iso(ms: Long): String {
        val day = floorDiv(ms, DAY_MS)
        val rest = ms - day * DAY_MS
        val h = (rest / 3_600_000).toInt()
        val mi = ((rest / 60_000) % 60).toInt()
        val s = ((rest / 1000) % 60).toInt()
        val milli = (rest % 1000).toInt()
        return "${dateText(day + EPOCH_ORDINAL)}T${two(h)}:${two(mi)}:${two(s)}.${milli.toString().padStart(3, '0')}Z"
    }

    /** The calendar date of [ms] in [zone] as an ordinal; the zone's offset at that instant (DST-safe). */
    fun localDay(ms: Long, zone: TimeZone): Long = floorDiv(ms + zone.getOffset(ms), DAY_MS) + EPOCH_ORDINAL

    /** ISO 8601 with `Z` (as the goldens write it) -> epoch ms. */
    fun parseIso(text: String): Long {
        val m = Regex("^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,3}))?Z$").matchEntire(text)
            ?: throw IllegalArgumentException("not an ISO time with Z: '$text'")
        val g = m.groupValues
        val y = g[1].toLong(); val mo = g[2].toLong(); val d = g[3].toLong()
        val yy = if (mo <= 2) y - 1 else y
        val era = floorDiv(yy, 400)
        val yoe = yy - era * 400
        val doy = (153 * (if (mo > 2) mo - 3 else mo + 9) + 2) / 5 + d - 1
        val doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        val days = era * 146_097 + doe - 719_468
        val frac = if (g[7].length == 0) 0L else g[7].padEnd(3, '0').toLong()
        return days * DAY_MS + g[4].toLong() * 3_600_000 + g[5].toLong() * 60_000 + g[6].toLong() * 1000 + frac
    }
}
