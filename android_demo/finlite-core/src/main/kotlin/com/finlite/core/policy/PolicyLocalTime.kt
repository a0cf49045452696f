package com.finlite.core.policy

import com.finlite.core.profile.Timestamps
import java.util.TimeZone

/**
 * The user's calendar of an epoch-ms time (finlite/realtime/policy/local_time.py): everything comes from the
 * local epoch ms `t + offset(t)` (TimeZone.getOffset at that instant; API 23 has no java.time), so the engines
 * agree with integer arithmetic: day = floor(local / 86,400,000), week = floor((day + 3) / 7) (Monday to Sunday),
 * month = the civil (year, month) of the day.
 */
internal class PolicyLocalTime(t: Long, zone: TimeZone) {
    private val local = t + zone.getOffset(t)
    val day: Long = Timestamps.floorDiv(local, DAY_MS)
    private val civil = Timestamps.civilFromDays(day)

    /** Minutes since local midnight. */
    val minute: Int = ((local - day * DAY_MS) / 60_000L).toInt()

    val date: String get() = String.format(java.util.Locale.ROOT, "%04d-%02d-%02d", civil.first, civil.second, civil.third)

    val hhmm: String get() = String.format(java.util.Locale.ROOT, "%02d:%02d", minute / 60, minute % 60)

    /** The key of the calendar period [per] (day, week, month, ever) that contains this time. */
    fun period(per: String): Long = when (per) {
        "day" -> day
        "week" -> Timestamps.floorDiv(day + 3, 7)
        "month" -> civil.first * 12L + civil.second
        else -> 0L
    }

    companion object {
        const val DAY_MS = 86_400_000L
    }
}
