package com.finlite.core.policy

import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.profile.Timestamps
import java.security.MessageDigest
import java.util.TimeZone

/**
 * The policy engine: one request in, one decision with its reasons out (docs/policy.md, "A decision"); a port
 * of finlite/realtime/policy/engine.py that passes the same golden decision scenarios (tests/golden/policy/).
 * What it delivers (or would deliver, in a holdout) is appended to [log].
 */
class PolicyEngine(val policy: Policy, val schema: ProfileSchema, val log: ExposureLog) {
    private val eligibility = PolicyEligibility(policy, schema.stages, schema.products)
    private val delivery = PolicyDelivery(policy)
    private val zones = HashMap<String, TimeZone>()

    /** How far back an entry can still block a delivery (null: forever, a cap `per: ever`); older ones are skipped. */
    private val horizonMs: Long? = run {
        val calendar = mapOf("day" to 2 * DAY_MS, "week" to 8 * DAY_MS, "month" to 32 * DAY_MS, "ever" to null)
        val spans = listOf<Long?>(policy.dedupWindowMs) + policy.channels.map { it.minIntervalMs } +
            policy.caps.map { it.windowMs ?: calendar.getValue(it.per!!) }
        if (spans.any { it == null }) null else spans.map { it!! }.max()!! + 1
    }

    private class Candidate(val offer: Offer, val checks: List<Check>, val score: Double)

    /** The user's arm and bucket: the same user lands in the same arm on every device and every day. */
    fun arm(user: String): Pair<Arm, Int> {
        val b = bucketOf(policy.salt, user)
        return Pair(policy.arms.first { it.start <= b && b < it.start + it.buckets }, b)
    }

    /** "Reset my profile": the user's exposures stop counting and are erased from the log. */
    fun reset(user: String, atMs: Long) { log.reset(user, atMs) }

    /** Decides on [rawRequest] (parsed JSON); the decision as plain maps and lists, fields in the documented order. */
    fun decide(rawRequest: Any?): Map<String, Any?> {
        val request = PolicyRequest.parse(rawRequest, policy, schema)
        val (arm, bucket) = arm(request.user)
        val zoneName = request.timeZone ?: policy.timeZone
        val zone = zones.getOrPut(zoneName) { TimeZone.getTimeZone(zoneName) }
        val scores: JsonObject? = if (arm.model) request.scores[arm.scores] else null
        val by = if (!arm.model) "value" else (arm.by ?: policy.by)
        val lambda = arm.lambda ?: policy.lambda
        val date = PolicyLocalTime(request.at, zone).date

        val eligible = LinkedHashMap<String, Candidate>()
        val rejected = HashMap<String, Check>()
        for (offer in policy.offers) {
            val (checks, ok) = eligibility.check(offer, request, arm, date, scores, by)
            if (ok) eligible[offer.id] = Candidate(offer, checks, eligibility.score(offer, scores, by)!!) else rejected[offer.id] = checks.last()
        }

        val mine = log.forUser(request.user, request.at)
        val history = LinkedHashMap<String, Long>()
        for (e in mine) if (policy.historyMs > 0 && request.at - e.at < policy.historyMs) history[e.category] = (history[e.category] ?: 0L) + 1
        val seen = ArrayList<Exposure>()  // as the reference: entries beyond the horizon are not read by the delivery rules
        for (e in mine) if (horizonMs == null || request.at - e.at < horizonMs) seen.add(Exposure(e.offer, e.category, e.channel, e.at))
        val p = PolicyRanking.interest(policy.categories, eligible.values.map { Pair(it.offer.category, it.score) })

        val chosen = ArrayList<LinkedHashMap<String, Any?>>()
        var chosenSum = 0.0
        val lastFail = HashMap<String, Check>()
        while (chosen.size < policy.slots) {
            var best: Triple<Double, Candidate, Pair<String, List<Check>>>? = null
            for ((oid, candidate) in eligible) {
                if (chosen.any { it["offer"] == oid }) continue
                val (channel, checks) = delivery.deliver(candidate.offer, request.channels, seen, request.at, zone)
                if (channel == null) {
                    lastFail[oid] = if (checks.isNotEmpty()) checks.last() else record("channel", false)
                    continue
                }
                lastFail.remove(oid)
                val shown = LinkedHashMap(history)
                for (c in chosen) shown[c["category"] as String] = (shown[c["category"] as String] ?: 0L) + 1
                shown[candidate.offer.category] = (shown[candidate.offer.category] ?: 0L) + 1
                val value = PolicyRanking.objective(lambda, chosenSum, candidate.score, p, policy.categories, shown)
                val b = best
                if (b == null || value > b.first || (value == b.first && oid < b.second.offer.id)) best = Triple(value, candidate, Pair(channel, checks))
            }
            val b = best ?: break
            val offer = b.second.offer
            val channel = b.third.first
            chosenSum += b.second.score
            seen.add(Exposure(offer.id, offer.category, channel, request.at))
            chosen.add(linkedMapOf("offer" to offer.id, "category" to offer.category, "channel" to channel, "shown" to !arm.holdout,
                "score" to b.second.score, "objective" to b.first, "why" to offer.why, "trigger" to request.trigger,
                "checks" to b.second.checks, "delivery" to b.third.second))
        }
        for (c in chosen) {
            log.appendExposure(request.user, c["offer"] as String, c["category"] as String, c["channel"] as String, request.at, arm.id, c["shown"] as Boolean)
        }
        val picked = chosen.map { it["offer"] }.toSet()
        val outRejected = ArrayList<Map<String, Any?>>()
        for (offer in policy.offers) {
            if (offer.id in picked) continue
            val check = rejected[offer.id] ?: lastFail[offer.id] ?: record("outranked", false)
            outRejected.add(linkedMapOf("offer" to offer.id, "check" to check))
        }
        return linkedMapOf("user" to request.user, "at" to Timestamps.format(request.at), "arm" to arm.id, "bucket" to bucket.toLong(),
            "holdout" to arm.holdout, "offers" to chosen, "rejected" to outRejected)
    }

    companion object {
        private const val DAY_MS = 86_400_000L

        /** `u32(sha256(salt + ":" + user)[0:4], big-endian) mod 10000`. */
        fun bucketOf(salt: String, user: String): Int {
            val d = MessageDigest.getInstance("SHA-256").digest("$salt:$user".toByteArray(Charsets.UTF_8))
            var v = 0L
            for (i in 0 until 4) v = (v shl 8) or (d[i].toLong() and 0xFF)
            return (v % BUCKETS).toInt()
        }
    }
}
