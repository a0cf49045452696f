package com.finlite.core.triggers

import com.finlite.core.json.Json
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.profile.Timestamps

/** Raw event rows (as an events file holds them: column -> text) through a trigger engine. */
object TriggerFeed {
    /** Reads a `finlite.triggers/1` spec's text against the bundle's [schema]. */
    fun spec(text: String, schema: ProfileSchema, source: String = "triggers.json"): TriggerSpec =
        TriggerSpec.parse(Json.parseObject(text, source), schema, source)

    /** Feeds [rows] (time order) into [engine], then ticks the clock to [nowMs]; the firings, in order. */
    fun feed(engine: TriggerEngine, schema: ProfileSchema, rows: List<Map<String, String>>, nowMs: Long): List<Firing> {
        val out = ArrayList<Firing>()
        val columns = schema.eventFields.map { it.column to it.name }
        for (row in rows) {
            val fields = LinkedHashMap<String, Any?>()
            for ((column, name) in columns) { val v = row[column]; if (v != null && v.isNotEmpty()) fields[name] = v }
            out.addAll(engine.event(Timestamps.parse(row.getValue(schema.eventTimestamp)), fields))
        }
        out.addAll(engine.tick(nowMs))
        return out
    }

    /** One line per firing for a screen: `time  trigger [group]  values`. */
    fun describe(f: Firing): String =
        "${Timestamps.format(f.time)}  ${f.trigger}${if (f.group != null) " [${f.group}]" else ""}  ${TriggerJson.write(f.values)}"
}
