package com.finlite.core.policy

import com.finlite.core.json.JsonObject
import com.finlite.core.triggers.TriggerJson

/** A check record: `check` first, its fields, `pass` last (docs/policy.md, "Output"). */
typealias Check = LinkedHashMap<String, Any?>

internal fun record(check: String, ok: Boolean, vararg fields: Pair<String, Any?>): Check {
    val r = Check()
    r["check"] = check
    for ((k, v) in fields) r[k] = v
    r["pass"] = ok
    return r
}

/**
 * Eligibility of one offer for one request (finlite/realtime/policy/eligibility.py): valid, trigger, held,
 * suitability, each condition, propensity, channel — in this order, stopping at the first that fails.
 * Suitability is a hard rule: an offer whose risk is above the user's declared level, or any offer with a risk
 * for a user who declared none, is never eligible, whatever the scores.
 */
internal class PolicyEligibility(private val policy: Policy, private val stages: List<String>, private val products: List<String>) {
    /** The table [part] (stage, tags, products) of the arm's [scores]: name -> the number as written. */
    private fun table(scores: JsonObject?, part: String): Map<String, Any?> = (scores?.opt(part) as? JsonObject)?.map ?: mapOf()

    private fun num(v: Any?): Double = (v as Number).toDouble()

    fun topStage(scores: JsonObject): String? {
        val t = table(scores, "stage")
        var best: String? = null
        for (s in stages) if (t.containsKey(s) && (best == null || num(t[s]) > num(t[best]))) best = s
        return best
    }

    fun productRank(scores: JsonObject, product: String): Long? {
        val t = table(scores, "products")
        if (!t.containsKey(product)) return null
        val mine = num(t[product])
        val pos = products.indexOf(product)
        return 1L + products.withIndex().count { (i, p) -> t.containsKey(p) && (num(t[p]) > mine || (num(t[p]) == mine && i < pos)) }
    }

    /** The arm's propensity of [offer]'s product, as written, or null. */
    fun propensity(offer: Offer, scores: JsonObject?): Any? = table(scores, "products")[offer.product]

    /** propensity × value, or the value alone (`by: value`); null when the propensity is unknown. */
    fun score(offer: Offer, scores: JsonObject?, by: String): Double? {
        if (by == "value") return offer.value
        val p = propensity(offer, scores) ?: return null
        return num(p) * offer.value
    }

    private fun condition(c: JsonObject, offer: Offer, request: PolicyRequest, scores: JsonObject?): Check {
        val some = scores != null && scores.map.isNotEmpty()
        if (c.has("stage")) {
            val top = if (some) topStage(scores!!) else null
            val wanted = TriggerJson.plain(c.opt("stage")) as List<*>
            return record("stage", top != null && top in wanted, "stages" to wanted, "value" to top)
        }
        if (c.has("tag")) {
            val v = table(scores, "tags")[c.opt("tag")]
            val ok = v != null && (!c.has("min") || num(v) >= c.double("min")) && (!c.has("max") || num(v) <= c.double("max"))
            val fields = arrayListOf<Pair<String, Any?>>("tag" to c.opt("tag"))
            for (k in listOf("min", "max")) if (c.has(k)) fields.add(k to c.opt(k))
            fields.add("value" to v)
            return record("tag", ok, *fields.toTypedArray())
        }
        if (c.has("propensity_min")) {
            val v = propensity(offer, scores)
            return record("propensity_min", v != null && num(v) >= c.double("propensity_min"), "min" to c.opt("propensity_min"), "value" to v)
        }
        if (c.has("top_k")) {
            val rank = if (some) productRank(scores!!, offer.product) else null
            return record("top_k", rank != null && rank <= c.long("top_k"), "k" to c.opt("top_k"), "value" to rank)
        }
        val name = c.string("attribute")
        val op = c.map.keys.first { it != "attribute" }
        val expected = TriggerJson.plain(c.opt(op))
        val v = request.attributes[name]
        val ok = when (v) {
            null -> false
            is List<*> -> { val hit = v.any { it in (expected as List<*>) }; if (op == "in") hit else !hit }
            is String -> if (op == "in") v in (expected as List<*>) else v !in (expected as List<*>)
            else -> {
                val x = num(v)
                val limit = num(expected)
                when (op) { "lt" -> x < limit; "le" -> x <= limit; "gt" -> x > limit; else -> x >= limit }
            }
        }
        return record("attribute", ok, "attribute" to name, "op" to op, "expected" to expected, "value" to v)
    }

    /** The checks that ran and whether all passed. */
    fun check(offer: Offer, request: PolicyRequest, arm: Arm, date: String, scores: JsonObject?, by: String): Pair<List<Check>, Boolean> {
        val out = ArrayList<Check>()
        fun add(r: Check): Boolean { out.add(r); return r["pass"] as Boolean }

        if (offer.validFrom != null || offer.validUntil != null) {
            val bounds = ArrayList<Pair<String, Any?>>()
            bounds.add("date" to date)
            offer.validFrom?.let { bounds.add("valid_from" to it) }
            offer.validUntil?.let { bounds.add("valid_until" to it) }
            val ok = (offer.validFrom == null || date >= offer.validFrom) && (offer.validUntil == null || date <= offer.validUntil)
            if (!add(record("valid", ok, *bounds.toTypedArray()))) return Pair(out, false)
        }
        if (offer.triggers != null && !add(record("trigger", request.trigger != null && request.trigger in offer.triggers, "trigger" to request.trigger))) {
            return Pair(out, false)
        }
        if (policy.holdings != null) {
            val held = request.attributes[policy.holdings] as? List<*> ?: listOf<String>()
            if (!add(record("held", offer.product !in held, "product" to offer.product))) return Pair(out, false)
        }
        val suitability = policy.suitability
        if (offer.risk != null && suitability != null) {
            val levels = suitability.second
            val user = request.attributes[suitability.first] as? String
            val ok = user != null && user in levels && levels.indexOf(offer.risk) <= levels.indexOf(user)
            if (!add(record("suitability", ok, "offer_risk" to offer.risk, "user_risk" to user))) return Pair(out, false)
        }
        offer.eligible.forEachIndexed { j, c ->
            if (!arm.model && MODEL_CONDITIONS.any { c.has(it) }) {
                add(record("model", true, "condition" to j.toLong()))
            } else if (!add(condition(c, offer, request, scores))) {
                return Pair(out, false)
            }
        }
        if (by == "propensity_x_value") {
            val p = propensity(offer, scores)
            if (!add(record("propensity", p != null, "product" to offer.product, "value" to p))) return Pair(out, false)
        }
        val any = offer.channels.any { it in request.channels }
        return Pair(out, add(record("channel", any, "channels" to request.channels)))
    }

    companion object {
        val MODEL_CONDITIONS = listOf("stage", "tag", "propensity_min", "top_k")
    }
}
