package com.finlite.core.triggers

import java.util.TimeZone

/**
 * The per-type logic of the trigger engine, as in finlite/realtime/triggers/primitives.py: each primitive sees
 * the events in event-time order and returns the group's new state and the firing's values (or null). States
 * are plain values (Long, lists of Long, lists of [time, value]) so that the engine state is JSON.
 */
internal abstract class Primitive(val trigger: Trigger) {
    val raw = trigger.raw
    open fun fresh(): Any? = null
    abstract fun onEvent(state: Any?, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?>
}

internal const val MAX_DWELL_ENTRIES = 1024

private fun longs(state: Any?): List<Long> = (state as? List<*>)?.map { (it as Number).toLong() } ?: listOf()

internal class EventMatch(t: Trigger) : Primitive(t) {
    private val match = TriggerPredicates.compile(raw.obj("match"))
    override fun onEvent(state: Any?, t: Long, e: TriggerEvent) = Pair(state, if (match(e)) LinkedHashMap(e) else null)
}

/** Count, total dwell and distinct days: `match` events enter; an `unless` event empties the group (first). */
internal abstract class Windowed(t: Trigger) : Primitive(t) {
    val match = TriggerPredicates.compile(raw.obj("match"))
    private val unless = if (raw.has("unless")) TriggerPredicates.compile(raw.obj("unless")) else null
    override fun fresh(): Any? = listOf<Any>()
    override fun onEvent(state: Any?, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        val s = if (unless != null && unless.invoke(e)) listOf<Any>() else state
        if (!match(e)) return Pair(s, null)
        return enter(s as List<*>, t, e)
    }
    abstract fun enter(state: List<*>, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?>
}

internal class Dwell(t: Trigger) : Windowed(t) {
    private val field = raw.string("field")
    private val low = raw.long("min_ms").toDouble()
    private val window: Long? = if (raw.has("window_ms")) raw.long("window_ms") else null

    override fun fresh(): Any? = if (window != null) listOf<Any>() else null

    override fun onEvent(state: Any?, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        if (window != null) return super.onEvent(state, t, e)
        if (!match(e)) return Pair(state, null)
        val v = (e[field] as? Number)?.toDouble()
        return Pair(state, if (v != null && v >= low) linkedMapOf<String, Any?>(field to v) else null)
    }

    override fun enter(state: List<*>, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        val v = (e[field] as? Number)?.toDouble() ?: return Pair(state, null)
        val kept = state.map { it as List<*> }.filter { (it[0] as Number).toLong() > t - window!! }.takeLast(MAX_DWELL_ENTRIES - 1) + listOf(listOf(t, v))
        val total = kept.sumByDouble { (it[1] as Number).toDouble() }
        return Pair(kept, if (total >= low) linkedMapOf<String, Any?>("total" to total, "events" to kept.size.toLong()) else null)
    }
}

internal class Count(t: Trigger) : Windowed(t) {
    override fun enter(state: List<*>, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        val goal = raw.long("goal").toInt()
        val window = raw.long("window_ms")
        val kept = (if (goal > 1) longs(state).filter { it > t - window }.takeLast(goal - 1) else listOf()) + t
        return Pair(kept, if (kept.size >= goal) linkedMapOf<String, Any?>("count" to kept.size.toLong(), "first" to TriggerTime.iso(kept[0])) else null)
    }
}

internal class DistinctDays(t: Trigger, private val zone: TimeZone) : Windowed(t) {
    override fun enter(state: List<*>, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        val day = TriggerTime.localDay(t, zone)
        val kept = (longs(state).filter { it > day - raw.long("window_days") && it != day } + day).sorted()
        if (kept.size < raw.long("goal")) return Pair(kept, null)
        return Pair(kept, linkedMapOf<String, Any?>("days" to kept.map { TriggerTime.dateText(it) }))
    }
}

internal open class Sequence(t: Trigger) : Primitive(t) {
    val first = TriggerPredicates.compile(raw.obj("first"))
    val then = TriggerPredicates.compile(raw.obj("then"))
    val within = raw.long("within_ms")

    override fun onEvent(state: Any?, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        var s = (state as? Number)?.toLong()
        var values: Map<String, Any?>? = null
        if (s != null && then(e)) {
            if (t - s <= within) values = linkedMapOf("first" to TriggerTime.iso(s), "elapsed_ms" to t - s)
            s = null
        }
        if (first(e)) s = t
        return Pair(s, values)
    }
}

internal class Absence(t: Trigger) : Sequence(t) {
    override fun onEvent(state: Any?, t: Long, e: TriggerEvent): Pair<Any?, Map<String, Any?>?> {
        var s = (state as? Number)?.toLong()
        if (s != null && then(e)) s = null
        if (s == null && first(e)) s = t
        return Pair(s, null)
    }

    fun due(state: Any?): Long? = (state as? Number)?.toLong()?.plus(within)
    fun expire(state: Any?): Map<String, Any?> = linkedMapOf("first" to TriggerTime.iso((state as Number).toLong()), "waited_ms" to within)
}

internal fun makePrimitive(t: Trigger, zone: TimeZone): Primitive? = when (t.type) {
    "event" -> EventMatch(t)
    "dwell" -> Dwell(t)
    "count" -> Count(t)
    "distinct_days" -> DistinctDays(t, zone)
    "sequence" -> Sequence(t)
    "absence" -> Absence(t)
    else -> null
}
