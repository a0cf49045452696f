package com.finlite.core.triggers

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileSchema

/** The trigger spec format this engine reads (docs/triggers.md). */
const val TRIGGERS_FORMAT = "finlite.triggers/1"

/** A spec that cannot be used; [code] names the rule (the same codes as finlite's Python reader). */
class TriggerSpecException(val code: String, message: String) : IllegalArgumentException(message)

/** One checked trigger; [raw] is its JSON. */
class Trigger(val id: String, val type: String, val raw: JsonObject, val cooldownMs: Long, val maxFirings: Long?, val groupBy: String?)

/** A checked spec: its zone, allowed lateness and triggers (every chain after the triggers it uses). */
class TriggerSpec(val timeZone: String, val allowedLatenessMs: Long, val triggers: List<Trigger>, val raw: JsonObject) {
    companion object {
        /** Checks [data] against [schema]; every problem is a one-line [TriggerSpecException]. */
        fun parse(data: JsonObject, schema: ProfileSchema, where: String = "spec"): TriggerSpec = SpecReader(schema, where).spec(data)
    }
}

private val TYPES: Map<String, Pair<List<String>, List<String>>> = mapOf(
    "event" to Pair(listOf("match"), listOf()),
    "dwell" to Pair(listOf("match", "field", "min_ms"), listOf("window_ms", "unless")),
    "count" to Pair(listOf("match", "goal", "window_ms"), listOf("unless")),
    "distinct_days" to Pair(listOf("match", "goal", "window_days"), listOf("unless")),
    "sequence" to Pair(listOf("first", "then", "within_ms"), listOf()),
    "absence" to Pair(listOf("first", "then", "within_ms"), listOf()),
    "model" to Pair(listOf("condition"), listOf()),
    "chain" to Pair(listOf("steps", "within_ms"), listOf())
)
private val COMMON = listOf("id", "type", "description", "cooldown_ms", "max_firings", "when", "group_by")
private val OPS_CATEGORICAL = listOf("eq", "ne", "in", "not_in")
private val OPS_NUMERIC = listOf("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
private const val MAX_TRIGGERS = 256
private const val MAX_WINDOW_DAYS = 366L

/** Python's repr of a value in messages: 'text' for strings. */
internal fun shownValue(v: Any?): String = when (v) {
    // control characters escaped as Python's repr does, so a refusal stays one line
    is String -> "'" + v.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'"
    null -> "None"
    else -> v.toString()
}

private class SpecReader(val schema: ProfileSchema, where: String) : SpecReading(where, "trigger", ::TriggerSpecException) {
    val fields = schema.eventFields.associateBy { it.name }

    fun spec(data: JsonObject): TriggerSpec {
        keys(data, null, "", listOf("format", "time_zone", "triggers"), listOf("allowed_lateness_ms", "description"))
        val format = data.opt("format")
        if (format != TRIGGERS_FORMAT) throw fail("bad_format", null, "format", "unsupported format ${shownValue(format)} (this finlite reads '$TRIGGERS_FORMAT')")
        val zone = zone(data.opt("time_zone"))
        val lateness = duration(data.opt("allowed_lateness_ms") ?: 0L, null, "allowed_lateness_ms", false)
        val items = data.opt("triggers") as? JsonArray
        if (items == null || items.size == 0) throw fail("bad_type", null, "triggers", "a non-empty list of triggers is needed")
        if (items.size > MAX_TRIGGERS) throw fail("too_many", null, "triggers", "${items.size} triggers, more than $MAX_TRIGGERS")
        val triggers = (0 until items.size).map { trigger(items[it], it) }
        val seen = HashSet<String>()
        triggers.forEachIndexed { i, t -> if (!seen.add(t.id)) throw fail("duplicate_id", t.id, "triggers[$i].id", "id '${t.id}' is used twice") }
        return TriggerSpec(zone, lateness, chainOrder(triggers), data)
    }

    fun trigger(item: Any?, i: Int): Trigger {
        if (item !is JsonObject) throw fail("bad_type", null, "triggers[$i]", "a trigger is a JSON object")
        val tid = item.opt("id")
        if (tid !is String || !SpecReading.ID_RE.matches(tid)) throw fail("bad_id", null, "triggers[$i].id", "${shownValue(tid)} is not an id (a letter, then letters, digits, _ . -)")
        val kind = item.opt("type")
        val type = TYPES[kind] ?: throw fail("unknown_type", tid, "type", "unknown type ${shownValue(kind)}; expected one of ${TYPES.keys.toList()}")
        kind as String
        keys(item, tid, "", listOf("id", "type") + type.first, COMMON + type.second)
        val cooldown = duration(item.opt("cooldown_ms") ?: 0L, tid, "cooldown_ms", false)
        val cap = if (item.has("max_firings")) count(item.opt("max_firings"), tid, "max_firings") else null
        val group = item.opt("group_by")
        if (group != null) {
            if (kind == "model" || kind == "chain") throw fail("unknown_key", tid, "group_by", "a $kind trigger has no group_by")
            val f = fields[group] ?: throw fail("unknown_field", tid, "group_by", "the events have no field ${shownValue(group)}")
            if (f.kind != "categorical") throw fail("wrong_kind", tid, "group_by", "'${f.name}' is ${f.kind}; group_by needs a categorical field")
        }
        for (key in listOf("match", "unless", "first", "then")) if (item.has(key)) predicate(item.opt(key), tid, key)
        for (key in listOf("window_ms", "within_ms", "min_ms")) if (item.has(key)) duration(item.opt(key), tid, key, true)
        if (item.has("goal")) count(item.opt("goal"), tid, "goal")
        if (item.has("window_days")) count(item.opt("window_days"), tid, "window_days", MAX_WINDOW_DAYS)
        if (kind == "dwell") {
            val name = item.opt("field")
            val f = fields[name] ?: throw fail("unknown_field", tid, "field", "the events have no field ${shownValue(name)}")
            if (f.kind != "numeric") throw fail("wrong_kind", tid, "field", "'${f.name}' is ${f.kind}; dwell needs a numeric field")
            if (item.has("unless") && !item.has("window_ms")) throw fail("unknown_key", tid, "unless", "unless needs window_ms (a total dwell)")
        }
        for (key in listOf("condition", "when")) if (item.has(key)) condition(item.opt(key), tid, key)
        if (kind == "chain") {
            val steps = item.opt("steps") as? JsonArray
            if (steps == null || steps.size < 2 || steps.list.any { it !is String }) throw fail("bad_type", tid, "steps", "a chain needs a list of at least 2 trigger ids")
        }
        return Trigger(tid, kind, item, cooldown, cap, group as String?)
    }

    fun predicate(p: Any?, tid: String, path: String) {
        if (p !is JsonObject || p.map.isEmpty()) throw fail("bad_predicate", tid, path, "a predicate is a JSON object")
        if (p.has("and") || p.has("or")) {
            val key = if (p.has("and")) "and" else "or"
            val parts = p.opt(key) as? JsonArray
            if (p.map.size != 1 || parts == null || parts.size == 0) throw fail("bad_predicate", tid, path, "'$key' takes a non-empty list and nothing else")
            for (i in 0 until parts.size) predicate(parts[i], tid, "$path.$key[$i]")
            return
        }
        if (p.has("not")) {
            if (p.map.size != 1) throw fail("bad_predicate", tid, path, "'not' takes one predicate and nothing else")
            predicate(p.opt("not"), tid, "$path.not")
            return
        }
        val name = p.opt("field")
        val ops = p.map.keys.filter { it != "field" }
        if (name !is String || ops.size != 1) throw fail("bad_predicate", tid, path, "a comparison is {\"field\": name, op: value} with one op")
        val f = fields[name] ?: throw fail("unknown_field", tid, "$path.field", "the events have no field '$name'")
        val op = ops[0]
        val value = p.opt(op)
        val allowed = if (f.kind == "numeric") OPS_NUMERIC else OPS_CATEGORICAL
        if (op !in allowed) throw fail("wrong_kind", tid, "$path.$op", "'$name' is ${f.kind}; its operators are $allowed")
        val listed = op == "in" || op == "not_in"
        if (listed && (value !is JsonArray || value.size == 0)) throw fail("bad_predicate", tid, "$path.$op", "'$op' takes a non-empty list")
        val values = if (listed) (value as JsonArray).list else listOf(value)
        for (v in values) {
            if (f.kind == "numeric") {
                if (v !is Long && v !is Double) throw fail("bad_type", tid, "$path.$op", "'$name' is numeric; ${shownValue(v)} is not a number")
            } else if (v !is String || v !in f.values) {
                throw fail("unknown_value", tid, "$path.$op", "${shownValue(v)} is not in the vocabulary of '$name'")
            }
        }
    }

    fun condition(c: Any?, tid: String, path: String) {
        if (c !is JsonObject) throw fail("bad_condition", tid, path, "a model condition is a JSON object")
        when {
            c.has("stage") -> {
                keys(c, tid, "$path.", listOf("stage"), listOf())
                if (c.opt("stage") !in schema.stages) throw fail("unknown_value", tid, "$path.stage", "${shownValue(c.opt("stage"))} is not a stage of the model")
            }
            c.has("tag") -> {
                keys(c, tid, "$path.", listOf("tag", "min"), listOf())
                if (c.opt("tag") !in schema.tags) throw fail("unknown_value", tid, "$path.tag", "${shownValue(c.opt("tag"))} is not a tag of the model")
                val m = c.opt("min")
                val x = (m as? Long)?.toDouble() ?: (m as? Double)
                if (x == null || x < 0.0 || x > 1.0) throw fail("bad_type", tid, "$path.min", "${shownValue(m)} must be a score in [0, 1]")
            }
            c.has("product") -> {
                keys(c, tid, "$path.", listOf("product", "top_k"), listOf())
                if (c.opt("product") !in schema.products) throw fail("unknown_value", tid, "$path.product", "${shownValue(c.opt("product"))} is not a product of the model")
                count(c.opt("top_k"), tid, "$path.top_k", schema.products.size.toLong())
            }
            else -> throw fail("bad_condition", tid, path, "expected one of {stage}, {tag, min}, {product, top_k}")
        }
    }

    fun chainOrder(triggers: List<Trigger>): List<Trigger> {
        val byId = triggers.associateBy { it.id }
        fun steps(t: Trigger): List<String> = if (t.type == "chain") t.raw.array("steps").strings() else listOf()
        for (t in triggers) steps(t).forEachIndexed { j, s -> if (s !in byId) throw fail("unknown_trigger", t.id, "steps[$j]", "no trigger '$s' in this spec") }
        val done = HashMap<String, Boolean>()
        val order = ArrayList<Trigger>()
        fun visit(t: Trigger, path: List<String>) {
            if (done[t.id] == false) throw fail("chain_cycle", t.id, "steps", "cycle " + (path.subList(path.indexOf(t.id), path.size) + t.id).joinToString(" -> "))
            if (t.id in done) return
            done[t.id] = false
            for (s in steps(t)) visit(byId.getValue(s), path + t.id)
            done[t.id] = true
            order.add(t)
        }
        for (t in triggers) visit(t, listOf())
        return order
    }
}
