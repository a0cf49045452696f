package com.finlite.core.policy

import java.util.TimeZone

/** What the delivery rules read of a log entry (or of an offer chosen earlier in this decision). */
internal class Exposure(val offer: String, val category: String, val channel: String, val at: Long)

/**
 * Whether an eligible offer can go out now, and on which channel (finlite/realtime/policy/delivery.py): quiet
 * hours, minimum interval, cross-channel de-duplication and the caps, counted on the user's exposures plus the
 * offers already chosen in this decision.
 */
internal class PolicyDelivery(private val policy: Policy) {
    private fun capApplies(cap: Cap, offer: Offer, channel: String): Boolean {
        if (cap.match == null || cap.scope == "global") return true
        return cap.match == when (cap.scope) { "offer" -> offer.id; "category" -> offer.category; else -> channel }
    }

    private fun inScope(cap: Cap, e: Exposure, offer: Offer, channel: String): Boolean = when (cap.scope) {
        "global" -> true
        "offer" -> e.offer == offer.id
        "category" -> e.category == offer.category
        else -> e.channel == channel
    }

    private fun capCount(cap: Cap, seen: List<Exposure>, offer: Offer, channel: String, at: Long, zone: TimeZone, now: PolicyLocalTime): Long {
        var n = 0L
        val key = cap.per?.let { now.period(it) }
        for (e in seen) {
            if (!inScope(cap, e, offer, channel)) continue
            val counts = if (cap.windowMs != null) at - e.at < cap.windowMs else PolicyLocalTime(e.at, zone).period(cap.per!!) == key
            if (counts) n++
        }
        return n
    }

    /** The checks of one channel, stopping at the first that fails. */
    private fun channelChecks(offer: Offer, channel: String, seen: List<Exposure>, at: Long, zone: TimeZone, now: PolicyLocalTime): List<Check> {
        val out = ArrayList<Check>()
        val spec = policy.channel(channel)
        val quietHours = spec.quietHours
        if (quietHours != null) {
            val (start, end) = quietHours
            val m = now.minute
            val quiet = if (start < end) m in start until end else (m >= start || m < end)
            out.add(record("quiet_hours", !quiet, "channel" to channel, "local_time" to now.hhmm))
            if (quiet) return out
        }
        if (spec.minIntervalMs > 0) {
            val last = seen.filter { it.channel == channel }.map { it.at }.max()
            val since = if (last == null) null else at - last
            val ok = since == null || since >= spec.minIntervalMs
            out.add(record("min_interval", ok, "channel" to channel, "since_ms" to since))
            if (!ok) return out
        }
        if (policy.dedupWindowMs > 0) {
            var last: Exposure? = null  // the latest blocking entry, the first of equal times (Python's max)
            for (e in seen) {
                if (e.offer == offer.id && e.channel != channel && at - e.at < policy.dedupWindowMs && (last == null || e.at > last.at)) last = e
            }
            out.add(record("dedup", last == null, "channel" to channel, "other_channel" to last?.channel, "since_ms" to last?.let { at - it.at }))
            if (last != null) return out
        }
        policy.caps.forEachIndexed { i, cap ->
            if (!capApplies(cap, offer, channel)) return@forEachIndexed
            val n = capCount(cap, seen, offer, channel, at, zone, now)
            out.add(record("cap", n < cap.max, "cap" to i.toLong(), "count" to n, "max" to cap.max))
            if (n >= cap.max) return out
        }
        return out
    }

    /**
     * The first channel (offer's order, available now) passing every check, and the checks that ran: for each
     * channel skipped on the way its failing check, then the used channel's checks. No channel: (null, the first
     * tried channel's checks).
     */
    fun deliver(offer: Offer, channels: List<String>, seen: List<Exposure>, at: Long, zone: TimeZone): Pair<String?, List<Check>> {
        val now = PolicyLocalTime(at, zone)
        val skipped = ArrayList<Check>()
        var first: List<Check>? = null
        for (channel in offer.channels) {
            if (channel !in channels) continue
            val checks = channelChecks(offer, channel, seen, at, zone, now)
            if (checks.all { it["pass"] == true }) return Pair(channel, skipped + checks)
            skipped.add(checks.last())
            if (first == null) first = checks
        }
        return Pair(null, first ?: listOf())
    }
}
