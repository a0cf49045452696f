package com.finlite.core.triggers

import com.finlite.core.json.Json
import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileSchema
import java.util.PriorityQueue
import java.util.TimeZone

/** The persisted engine state's format (docs/triggers.md). */
const val TRIGGER_STATE_FORMAT = "finlite.trigger_state/1"

/** A trigger that fired at event time [time] (epoch ms) for [group] (its group_by value), with what made it fire. */
class Firing(val trigger: String, val time: Long, val values: Map<String, Any?>, val group: String?)

/**
 * The trigger engine of one user, as finlite's Python reference (finlite/realtime/triggers/engine.py):
 * inputs older than the watermark (latest time seen − allowed lateness) are dropped and counted in [late];
 * the rest is processed in (time, arrival) order once the watermark reaches it; an absence due at d fires when
 * the watermark is past d. [toState] / [fromState] persist everything (JSON text).
 */
class TriggerEngine(val spec: TriggerSpec, schema: ProfileSchema) {
    private class Input(val t: Long, val seq: Long, val kind: Int, val payload: Any?)
    private class Timer(val due: Long, val trigger: String, val group: String)

    private val numeric = schema.eventFields.filter { it.kind == "numeric" }.map { it.name }.toSet()
    private val stages = schema.stages
    private val products = schema.products
    private val prims: Map<String, Primitive?> = TimeZone.getTimeZone(spec.timeZone).let { z -> spec.triggers.associate { it.id to makePrimitive(it, z) } }
    private val conds = HashMap<String, (TriggerPredicates.Scores?) -> Boolean>()
    private val chainsOf = HashMap<String, MutableList<String>>()
    private val byId = spec.triggers.associateBy { it.id }

    var late = 0L
        private set
    var forced = 0L
        private set
    private var latest: Long? = null
    private var seq = 0L
    private val buffer = PriorityQueue<Input>(16, compareBy<Input>({ it.t }, { it.seq }))
    private val timers = PriorityQueue<Timer>(16, compareBy<Timer>({ it.due }, { it.trigger }, { it.group }))
    private val state = HashMap<String, MutableMap<String, Any?>>()
    private val fired = HashMap<String, MutableMap<String, LongArray>>()
    private var scores: TriggerPredicates.Scores? = null
    private var scoresJson: JsonObject? = null

    init {
        for (t in spec.triggers) {
            for (k in listOf("when", "condition")) if (t.raw.has(k)) conds[t.id] = TriggerPredicates.condition(t.raw.obj(k), stages, products)
            if (t.type == "chain") for (s in t.raw.array("steps").strings()) chainsOf.getOrPut(s) { ArrayList() }.add(t.id)
            state[t.id] = LinkedHashMap()
            fired[t.id] = LinkedHashMap()
        }
    }

    val watermark: Long? get() = latest?.minus(spec.allowedLatenessMs)

    /** One event (field -> raw value: a String, or a number for a numeric field); the firings it made final. */
    fun event(timeMs: Long, fields: Map<String, Any?>): List<Firing> {
        val clean = LinkedHashMap<String, Any?>()
        for ((k, v) in fields) clean[k] = if (k in numeric && v != null && v != "") (v as? Number)?.toDouble() ?: v.toString().toDouble() else v
        return input(timeMs, 0, clean)
    }

    /** The model's output at [timeMs]: `{"stage": {…}, "tags": {…}, "products": {…}}`. */
    fun scores(timeMs: Long, scores: JsonObject): List<Firing> = input(timeMs, 1, scores)

    /** The clock reads [nowMs]: buffered input and timers up to the new watermark are processed. */
    fun tick(nowMs: Long): List<Firing> { see(nowMs); return advance(ArrayList()) }

    private fun see(t: Long) { latest = latest?.let { maxOf(it, t) } ?: t }

    private fun input(t: Long, kind: Int, payload: Any?): List<Firing> {
        val mark = watermark
        if (mark != null && t < mark) { late++; return listOf() }
        see(t)
        buffer.add(Input(t, seq++, kind, payload))
        val out = ArrayList<Firing>()
        while (buffer.size > 10_000) { forced++; process(buffer.poll(), out) }
        return advance(out)
    }

    private fun advance(out: MutableList<Firing>): List<Firing> {
        val mark = watermark ?: return out
        while (true) {
            val hasInput = buffer.isNotEmpty() && buffer.peek().t <= mark
            val hasTimer = timers.isNotEmpty() && timers.peek().due < mark
            if (hasTimer && (!hasInput || timers.peek().due < buffer.peek().t)) expire(timers.poll(), out)
            else if (hasInput) process(buffer.poll(), out)
            else break
        }
        return out
    }

    private fun process(item: Input, out: MutableList<Firing>) {
        if (item.kind == 1) { onScores(item.t, item.payload as JsonObject, out); return }
        @Suppress("UNCHECKED_CAST") val e = item.payload as Map<String, Any?>
        for (trig in spec.triggers) {
            val prim = prims[trig.id] ?: continue
            val group = if (trig.groupBy != null) (e[trig.groupBy] as? String ?: "") else ""
            val states = state.getValue(trig.id)
            val before = if (states.containsKey(group)) states[group] else prim.fresh()
            val (after, values) = prim.onEvent(before, item.t, e)
            if (after == null || (after is List<*> && after.isEmpty())) states.remove(group) else states[group] = after
            if (prim is Absence && after != null && after != before) timers.add(Timer(prim.due(after)!!, trig.id, group))
            if (values != null) fire(trig.id, group, item.t, values, out)
        }
    }

    private fun expire(timer: Timer, out: MutableList<Firing>) {
        val prim = prims[timer.trigger] as? Absence ?: return
        val s = state.getValue(timer.trigger)[timer.group] ?: return
        if (prim.due(s) != timer.due) return
        state.getValue(timer.trigger).remove(timer.group)
        fire(timer.trigger, timer.group, timer.due, prim.expire(s), out)
    }

    private fun toScores(o: JsonObject): TriggerPredicates.Scores {
        fun table(k: String): Map<String, Double> = (o.opt(k) as? JsonObject)?.let { t -> t.map.keys.associateWith { t.double(it) } } ?: mapOf()
        return TriggerPredicates.Scores(table("stage"), table("tags"), table("products"))
    }

    private fun onScores(t: Long, o: JsonObject, out: MutableList<Firing>) {
        val s = toScores(o)
        scores = s
        scoresJson = o
        for (trig in spec.triggers) {
            if (trig.type != "model") continue
            val now = conds.getValue(trig.id)(s)
            val was = state.getValue(trig.id)[""] == true
            state.getValue(trig.id)[""] = now
            if (now && !was) fire(trig.id, "", t, TriggerPredicates.values(trig.raw.obj("condition"), s, products), out)
        }
    }

    private fun fire(tid: String, group: String, t: Long, values: Map<String, Any?>, out: MutableList<Firing>) {
        val trig = byId.getValue(tid)
        if (trig.raw.has("when") && !conds.getValue(tid)(scores)) return
        val record = fired.getValue(tid)[group]
        if (record != null) {
            if (trig.maxFirings != null && record[0] >= trig.maxFirings) return
            if (t < record[1] + trig.cooldownMs) return
        }
        fired.getValue(tid)[group] = longArrayOf(if (record == null) 1 else record[0] + 1, t)
        out.add(Firing(tid, t, values, if (trig.groupBy != null) group else null))
        for (chain in chainsOf[tid] ?: listOf<String>()) chainStep(chain, tid, t, out)
    }

    private fun chainStep(cid: String, step: String, t: Long, out: MutableList<Firing>) {
        val raw = byId.getValue(cid).raw
        val steps = raw.array("steps").strings()
        var times = (state.getValue(cid)[""] as? List<*>)?.map { (it as Number).toLong() } ?: listOf()
        if (times.isNotEmpty() && t - times[0] > raw.long("within_ms")) times = listOf()
        if (steps[times.size] == step) times = times + t else if (steps[0] == step) times = listOf(t)
        if (times.size == steps.size) {
            state.getValue(cid).remove("")
            fire(cid, "", t, linkedMapOf("steps" to times.map { TriggerTime.iso(it) }), out)
        } else if (times.isNotEmpty()) state.getValue(cid)[""] = times
    }

    // --- persistence -----------------------------------------------------------------------------------------
    /** Everything needed to continue, as JSON text, tied to the spec by its canonical text. */
    fun toState(): String {
        val trig = LinkedHashMap<String, Any?>()
        for (t in spec.triggers) {
            val s = state.getValue(t.id); val f = fired.getValue(t.id)
            if (s.isNotEmpty() || f.isNotEmpty()) trig[t.id] = mapOf("state" to s, "fired" to f.mapValues { listOf(it.value[0], it.value[1]) })
        }
        val items = buffer.toList().sortedWith(compareBy({ it.t }, { it.seq })).map { listOf(it.t, it.seq, it.kind.toLong(), it.payload) }
        return TriggerJson.write(linkedMapOf("format" to TRIGGER_STATE_FORMAT, "spec" to TriggerJson.write(spec.raw), "latest" to latest,
            "seq" to seq, "late" to late, "forced" to forced, "buffer" to items, "scores" to scoresJson, "triggers" to trig))
    }

    companion object {
        /** An engine continuing from [toState]'s text; a state of another format or spec is refused. */
        fun fromState(spec: TriggerSpec, schema: ProfileSchema, text: String): TriggerEngine {
            val o = Json.parseObject(text, "trigger state")
            if (o.opt("format") != TRIGGER_STATE_FORMAT) throw IllegalArgumentException("trigger state: unsupported format (this engine reads '$TRIGGER_STATE_FORMAT')")
            if (o.opt("spec") != TriggerJson.write(spec.raw)) throw IllegalArgumentException("trigger state: it was saved for another trigger spec")
            val e = TriggerEngine(spec, schema)
            e.latest = o.opt("latest") as Long?
            e.seq = o.long("seq"); e.late = o.long("late"); e.forced = o.long("forced")
            for (item in o.array("buffer").list.map { it as JsonArray }) {
                val kind = item.long(2).toInt()
                val payload = if (kind == 1) item.obj(3) else TriggerJson.plain(item[3])
                e.buffer.add(Input(item.long(0), item.long(1), kind, payload))
            }
            o.objOrNull("scores")?.let { e.scoresJson = it; e.scores = e.toScores(it) }
            val saved = o.obj("triggers")
            for (tid in saved.map.keys) {
                val st = e.state[tid] ?: throw IllegalArgumentException("trigger state: unknown trigger '$tid'")
                val entry = saved.obj(tid)
                @Suppress("UNCHECKED_CAST") st.putAll(TriggerJson.plain(entry.obj("state")) as Map<String, Any?>)
                val f = entry.obj("fired")
                for (g in f.map.keys) e.fired.getValue(tid)[g] = longArrayOf(f.array(g).long(0), f.array(g).long(1))
                val prim = e.prims[tid]
                if (prim is Absence) for ((g, s) in st) e.timers.add(Timer(prim.due(s)!!, tid, g))
            }
            return e
        }
    }
}
