package com.finlite.core.triggers

import com.finlite.core.profile.Timestamps
import java.util.TimeZone

/** Times of the trigger engine: epoch ms (UTC) to ISO text and to local calendar days (API 23: no java.time). */
object TriggerTime {
    private const val DAY_MS = 86_400_000L
    /** Days from 0001-01-01 (ordinal 1, as Python's date.toordinal) to 1970-01-01. */
    const val EPOCH_ORDINAL = 719_163L

    /** `YYYY-MM-DD` of a proleptic Gregorian ordinal. */
    fun dateText(ordinal: Long): String {
        val (y, m, d) = Timestamps.civilFromDays(ordinal - EPOCH_ORDINAL)
        return String.format(java.util.Locale.ROOT, "%04d-%02d-%02d", y, m, d)
    }

    /** Epoch ms -> `YYYY-MM-DDTHH:MM:SS.mmmZ` (the profile timestamps' own format). */
    fun iso(ms: Long): String = Timestamps.format(ms)

    /** The calendar date of [ms] in [zone] as an ordinal; the zone's offset at that instant (DST-safe). */
    fun localDay(ms: Long, zone: TimeZone): Long = Timestamps.floorDiv(ms + zone.getOffset(ms), DAY_MS) + EPOCH_ORDINAL
}
