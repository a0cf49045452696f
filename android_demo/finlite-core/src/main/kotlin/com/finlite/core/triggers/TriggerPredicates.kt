package com.finlite.core.triggers

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject

/** One event: field name -> a String (categorical) or a Double (numeric); absent, null or "" = missing. */
typealias TriggerEvent = Map<String, Any?>

/** Predicates and model conditions of a checked spec (docs/triggers.md: a missing value makes every comparison false). */
object TriggerPredicates {
    private fun present(v: Any?) = v != null && v != ""

    private fun number(v: Any?): Double? = when (v) { is Double -> v; is Long -> v.toDouble(); is Int -> v.toDouble(); else -> null }

    private fun equal(a: Any?, b: Any?): Boolean {
        val x = number(a); val y = number(b)
        return if (x != null && y != null) x == y else a == b
    }

    fun compile(p: JsonObject): (TriggerEvent) -> Boolean {
        if (p.has("and")) { val parts = p.array("and").objects().map { compile(it) }; return { e -> parts.all { it(e) } } }
        if (p.has("or")) { val parts = p.array("or").objects().map { compile(it) }; return { e -> parts.any { it(e) } } }
        if (p.has("not")) { val inner = compile(p.obj("not")); return { e -> !inner(e) } }
        val name = p.string("field")
        val op = p.map.keys.first { it != "field" }
        val value = p.opt(op)
        if (op == "in" || op == "not_in") {
            val members = (value as JsonArray).list
            val wanted = op == "in"
            return { e -> val v = e[name]; present(v) && (members.any { equal(it, v) } == wanted) }
        }
        if (op == "eq") return { e -> present(e[name]) && equal(e[name], value) }
        if (op == "ne") return { e -> present(e[name]) && !equal(e[name], value) }
        val limit = number(value)!!
        return { e ->
            val v = number(e[name])
            v != null && when (op) { "lt" -> v < limit; "le" -> v <= limit; "gt" -> v > limit; else -> v >= limit }
        }
    }

    /** The model's latest output: stage probabilities, tag scores, product propensities. */
    class Scores(val stage: Map<String, Double>, val tags: Map<String, Double>, val products: Map<String, Double>)

    fun productRank(s: Scores, product: String, products: List<String>): Long? {
        val mine = s.products[product] ?: return null
        val pos = products.indexOf(product)
        return 1L + products.withIndex().count { (i, p) -> val v = s.products[p]; v != null && (v > mine || (v == mine && i < pos)) }
    }

    fun topStage(s: Scores, stages: List<String>): String? {
        var best: String? = null
        for (st in stages) { val v = s.stage[st] ?: continue; if (best == null || v > s.stage.getValue(best)) best = st }
        return best
    }

    fun condition(c: JsonObject, stages: List<String>, products: List<String>): (Scores?) -> Boolean = when {
        c.has("stage") -> { val st = c.string("stage"); { s -> s != null && topStage(s, stages) == st } }
        c.has("tag") -> { val tag = c.string("tag"); val low = c.double("min"); { s -> s != null && (s.tags[tag] ?: -1.0) >= low } }
        else -> { val p = c.string("product"); val k = c.long("top_k"); { s -> val r = if (s != null) productRank(s, p, products) else null; r != null && r <= k } }
    }

    fun values(c: JsonObject, s: Scores, products: List<String>): Map<String, Any?> = when {
        c.has("stage") -> linkedMapOf("stage" to c.string("stage"), "probability" to s.stage[c.string("stage")])
        c.has("tag") -> linkedMapOf("tag" to c.string("tag"), "score" to s.tags[c.string("tag")])
        else -> linkedMapOf("product" to c.string("product"), "rank" to productRank(s, c.string("product"), products))
    }
}
