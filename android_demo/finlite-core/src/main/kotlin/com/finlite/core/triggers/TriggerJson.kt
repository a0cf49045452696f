package com.finlite.core.triggers

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject

/** JSON text of the engine's plain values (maps, lists, strings, numbers, booleans, parsed JSON), and back. */
internal object TriggerJson {
    fun write(v: Any?): String = StringBuilder().also { put(it, v) }.toString()

    private fun put(sb: StringBuilder, v: Any?) {
        when (v) {
            null -> sb.append("null")
            is String -> quote(sb, v)
            is Boolean, is Long, is Int -> sb.append(v.toString())
            is Double -> sb.append(if (v.isNaN() || v.isInfinite()) "null" else v.toString())
            is JsonObject -> put(sb, v.map)
            is JsonArray -> put(sb, v.list)
            is Map<*, *> -> {
                sb.append('{')
                v.entries.forEachIndexed { i, (k, x) -> if (i > 0) sb.append(','); quote(sb, k.toString()); sb.append(':'); put(sb, x) }
                sb.append('}')
            }
            is List<*> -> { sb.append('['); v.forEachIndexed { i, x -> if (i > 0) sb.append(','); put(sb, x) }; sb.append(']') }
            else -> throw IllegalArgumentException("cannot write ${v.javaClass.simpleName} as JSON")
        }
    }

    private fun quote(sb: StringBuilder, s: String) {
        sb.append('"')
        for (c in s) when {
            c == '"' -> sb.append("\\\"")
            c == '\\' -> sb.append("\\\\")
            c < ' ' -> sb.append("\\u").append(Integer.toHexString(c.toInt()).padStart(4, '0'))
            else -> sb.append(c)
        }
        sb.append('"')
    }

    /** Parsed JSON (JsonObject / JsonArray) as plain maps and lists. */
    fun plain(v: Any?): Any? = when (v) {
        is JsonObject -> LinkedHashMap<String, Any?>().also { m -> for ((k, x) in v.map) m[k] = plain(x) }
        is JsonArray -> v.list.map { plain(it) }
        else -> v
    }
}
