package com.finlite.core.policy

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.triggers.shownValue

/** The attribute operators of each kind of user field. */
internal val ATTRIBUTE_OPS = mapOf("categorical" to listOf("in", "not_in"), "multi" to listOf("in", "not_in"), "numeric" to listOf("lt", "le", "gt", "ge"))

/** The offers section of a policy and their conditions, in the Python reader's order of checks. */
internal class PolicyOfferReader(private val r: PolicyReader) {
    private val schema = r.schema

    fun offer(item: Any?, i: Int): Offer {
        if (item !is JsonObject) throw r.fail("bad_type", null, "offers[$i]", "an offer is a JSON object")
        val oid = r.ident(item.opt("id"), null, "offers[$i].id")
        r.keys(item, oid, "", listOf("id", "product", "category", "channels", "value", "why"),
            listOf("risk", "valid_from", "valid_until", "triggers", "eligible", "description"))
        val product = item.opt("product")
        if (product !is String || product !in schema.products) throw r.fail("unknown_value", oid, "product", "${shownValue(product)} is not a product of the model")
        val channels = item.opt("channels")
        if (channels !is JsonArray || channels.size == 0) throw r.fail("bad_type", oid, "channels", "a non-empty list of channel ids is needed")
        channels.list.forEachIndexed { j, c ->
            if (c !in r.channelIds) throw r.fail("unknown_channel", oid, "channels[$j]", "${shownValue(c)} is not a channel of this policy")
        }
        val why = item.opt("why")
        if (why !is String || why.codePointCount(0, why.length) !in 1..500) throw r.fail("bad_type", oid, "why", "the why text is 1 to 500 characters")
        val risk = item.opt("risk")
        if (risk != null) {
            val levels = r.levels ?: throw r.fail("missing_key", oid, "risk", "an offer with a risk needs the policy's suitability")
            if (risk !in levels) throw r.fail("unknown_value", oid, "risk", "${shownValue(risk)} is not a level of suitability.levels")
        }
        val triggers = item.opt("triggers")
        if (triggers != null) {
            if (triggers !is JsonArray || triggers.size == 0) throw r.fail("bad_type", oid, "triggers", "a non-empty list of trigger ids is needed")
            triggers.list.forEachIndexed { j, t -> r.ident(t, oid, "triggers[$j]") }
        }
        val from = if (item.has("valid_from")) r.date(item.opt("valid_from"), oid, "valid_from") else null
        val until = if (item.has("valid_until")) r.date(item.opt("valid_until"), oid, "valid_until") else null
        if (from != null && until != null && from > until) throw r.fail("bad_time", oid, "valid_until", "is before valid_from")
        val eligible = if (item.has("eligible")) item.opt("eligible") else JsonArray(listOf(), "eligible")
        if (eligible !is JsonArray) throw r.fail("bad_type", oid, "eligible", "a list of conditions is needed")
        eligible.list.forEachIndexed { j, c -> condition(c, oid, "eligible[$j]") }
        val value = r.number(item.opt("value"), oid, "value")
        if (value <= 0) throw r.fail("bad_type", oid, "value", "the value weight must be > 0, got ${shownValue(item.opt("value"))}")
        return Offer(oid, product, r.ident(item.opt("category"), oid, "category"), channels.strings(), value, why,
            risk as String?, from, until, (triggers as JsonArray?)?.strings(), eligible.objects())
    }

    private fun condition(c: Any?, oid: String, path: String) {
        if (c !is JsonObject || c.map.isEmpty()) throw r.fail("bad_condition", oid, path, "a condition is a JSON object")
        when {
            c.has("stage") -> {
                r.keys(c, oid, "$path.", listOf("stage"), listOf())
                val stages = c.opt("stage")
                if (stages !is JsonArray || stages.size == 0) throw r.fail("bad_condition", oid, "$path.stage", "a non-empty list of stages is needed")
                for (s in stages.list) if (s !in schema.stages) throw r.fail("unknown_value", oid, "$path.stage", "${shownValue(s)} is not a stage of the model ${schema.stages}")
            }
            c.has("tag") -> {
                r.keys(c, oid, "$path.", listOf("tag"), listOf("min", "max"))
                if (c.opt("tag") !in schema.tags) throw r.fail("unknown_value", oid, "$path.tag", "${shownValue(c.opt("tag"))} is not a tag of the model")
                if (!c.has("min") && !c.has("max")) throw r.fail("missing_key", oid, "$path.min", "a tag condition needs min, max or both")
                for (k in listOf("min", "max")) if (c.has(k)) r.number(c.opt(k), oid, "$path.$k", 0.0, 1.0)
            }
            c.has("propensity_min") -> {
                r.keys(c, oid, "$path.", listOf("propensity_min"), listOf())
                r.number(c.opt("propensity_min"), oid, "$path.propensity_min", 0.0, 1.0)
            }
            c.has("top_k") -> {
                r.keys(c, oid, "$path.", listOf("top_k"), listOf())
                r.count(c.opt("top_k"), oid, "$path.top_k", schema.products.size.toLong())
            }
            c.has("attribute") -> attribute(c, oid, path)
            else -> throw r.fail("bad_condition", oid, path, "expected one of {stage}, {tag, min|max}, {propensity_min}, {top_k}, {attribute, op}")
        }
    }

    private fun attribute(c: JsonObject, oid: String, path: String) {
        val name = c.opt("attribute")
        val f = (name as? String)?.let { r.users[it] } ?: throw r.fail("unknown_field", oid, "$path.attribute", "the users have no attribute ${shownValue(name)}")
        val ops = c.map.keys.filter { it != "attribute" }
        val allowed = ATTRIBUTE_OPS.getValue(f.kind)
        if (ops.size != 1 || ops[0] !in allowed) throw r.fail("wrong_kind", oid, path, "'${f.name}' is ${f.kind}; one of $allowed is needed")
        val value = c.opt(ops[0])
        if (f.kind == "numeric") {
            r.number(value, oid, "$path.${ops[0]}")
            return
        }
        if (value !is JsonArray || value.size == 0) throw r.fail("bad_condition", oid, "$path.${ops[0]}", "a non-empty list of values is needed")
        for (v in value.list) {
            if (v !is String || v !in f.values) throw r.fail("unknown_value", oid, "$path.${ops[0]}", "${shownValue(v)} is not in the vocabulary of '${f.name}'")
        }
    }
}
