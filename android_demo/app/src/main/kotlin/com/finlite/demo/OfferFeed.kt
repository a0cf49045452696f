package com.finlite.demo

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.post.ProfilePrediction
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.profile.Timestamps

/**
 * The offer card of the profile screen: a decision request from the profile's scores and the user's attributes
 * row, and the "why am I seeing this" text of a decision — the offer's why, the conditions it passed, the trigger
 * and the experiment arm (docs/policy.md, "Output").
 */
object OfferFeed {
    private fun obj(map: Map<String, Any?>) = JsonObject(map, "request")

    /** The model's scores as a request's score source: stage probabilities, tags, the top products' propensities. */
    fun scores(p: ProfilePrediction): JsonObject = obj(linkedMapOf(
        "stage" to obj(p.stageProbs.mapValues { it.value.toDouble() }),
        "tags" to obj(p.tags),
        "products" to obj(p.topProducts.associate { it.product to it.propensity.toDouble() })
    ))

    /** The attributes row (column -> text, as the users file holds it) typed by the schema; empty = missing. */
    fun attributes(row: Map<String, String>, schema: ProfileSchema): JsonObject {
        val out = LinkedHashMap<String, Any?>()
        for (f in schema.userFields) {
            val text = row[f.column]
            if (text == null || text.isEmpty()) continue
            out[f.name] = when (f.kind) {
                "numeric" -> text.toDouble()
                "multi" -> JsonArray(text.split(f.separator).filter { it.isNotEmpty() }, "attributes")
                else -> text
            }
        }
        return obj(out)
    }

    /** A request for [user] at [atMs] on the channels available now; [zone] the user's time zone (null: the policy's). */
    fun request(user: String, atMs: Long, trigger: String?, channels: List<String>, attributes: JsonObject, scores: JsonObject?, zone: String?): JsonObject {
        val m = linkedMapOf<String, Any?>("at" to Timestamps.format(atMs), "user" to user, "trigger" to trigger,
            "channels" to JsonArray(channels, "channels"), "attributes" to attributes,
            "scores" to obj(if (scores != null) mapOf("default" to scores) else mapOf()))
        if (zone != null) m["time_zone"] = zone
        return obj(m)
    }

    private fun number(v: Any?): String = when (v) {
        is Double -> String.format(java.util.Locale.ROOT, "%.2f", v)
        null -> "?"
        else -> v.toString()
    }

    /** One line per passed rule of an eligibility record that says why the offer fits, or null. */
    fun reason(c: Map<*, *>): String? {
        if (c["pass"] != true) return null
        return when (c["check"]) {
            "tag" -> listOfNotNull(c["min"]?.let { "≥ ${number(it)}" }, c["max"]?.let { "≤ ${number(it)}" })
                .joinToString(" and ", "${(c["tag"] as String).replace('_', ' ')} ${number(c["value"])} ")
            "stage" -> "stage ${c["value"]} is one of ${c["stages"]}"
            "propensity_min" -> "propensity ${number(c["value"])} ≥ ${number(c["min"])}"
            "top_k" -> "product ranks ${c["value"]} ≤ ${c["k"]}"
            "attribute" -> "${c["attribute"]} ${c["value"]} ${c["op"].toString().replace('_', ' ')} ${c["expected"]}"
            "suitability" -> "risk level ${c["offer_risk"]} ≤ your declared ${c["user_risk"]}"
            else -> null
        }
    }

    /** The card's text: the chosen offer with its why and reasons, or why nothing is shown. */
    fun card(decision: Map<String, Any?>): String {
        val s = StringBuilder()
        val offers = decision["offers"] as List<*>
        for (o in offers) {
            o as Map<*, *>
            s.append(if (o["shown"] == true) "Offer: ${o["offer"]} (${o["channel"]})\n" else "Would offer (holdout, not shown): ${o["offer"]}\n")
            s.append("   ${o["why"]}\n")
            for (c in o["checks"] as List<*>) reason(c as Map<*, *>)?.let { s.append("   · $it\n") }
            o["trigger"]?.let { s.append("   · because: $it\n") }
        }
        if (offers.isEmpty()) {
            s.append("No offer now.\n")
            for (r in decision["rejected"] as List<*>) {
                r as Map<*, *>
                s.append("   ${r["offer"]}: ${(r["check"] as Map<*, *>)["check"]}\n")
            }
        }
        s.append("   · experiment arm: ${decision["arm"]}\n")
        return s.toString()
    }
}
