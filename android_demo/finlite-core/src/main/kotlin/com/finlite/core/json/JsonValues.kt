package com.finlite.core.json

/** A JSON object with typed getters; errors name the value's path (`$.text.buckets`). */
class JsonObject(val map: Map<String, Any?>, val path: String) {
    val keys: Set<String> get() = map.keys

    fun has(key: String): Boolean = map.containsKey(key)

    /** The raw value of [key] (`null` when absent or JSON null). */
    fun opt(key: String): Any? = map[key]

    private fun need(key: String): Any? {
        if (!map.containsKey(key)) throw JsonException("$path: missing field \"$key\"")
        return map[key]
    }

    private fun wrong(key: String, expected: String): JsonException =
        JsonException("$path.$key must be $expected, found ${describe(map[key])}")

    fun string(key: String): String = need(key) as? String ?: throw wrong(key, "a string")

    fun bool(key: String): Boolean = need(key) as? Boolean ?: throw wrong(key, "true or false")

    fun long(key: String): Long = need(key) as? Long ?: throw wrong(key, "an integer")

    fun int(key: String): Int {
        val v = long(key)
        if (v < Int.MIN_VALUE || v > Int.MAX_VALUE) throw wrong(key, "a 32-bit integer")
        return v.toInt()
    }

    /** A number (JSON integers are accepted, as in Python). */
    fun double(key: String): Double {
        val v = need(key)
        return when (v) {
            is Double -> v
            is Long -> v.toDouble()
            else -> throw wrong(key, "a number")
        }
    }

    fun obj(key: String): JsonObject = need(key) as? JsonObject ?: throw wrong(key, "an object")

    fun array(key: String): JsonArray = need(key) as? JsonArray ?: throw wrong(key, "an array")

    /** The object of [key], or null when the value is JSON null. */
    fun objOrNull(key: String): JsonObject? {
        val v = need(key) ?: return null
        return v as? JsonObject ?: throw wrong(key, "an object or null")
    }
}

/** A JSON array with typed element getters. */
class JsonArray(val list: List<Any?>, val path: String) {
    val size: Int get() = list.size

    operator fun get(index: Int): Any? = list[index]

    private fun wrong(index: Int, expected: String): JsonException =
        JsonException("$path[$index] must be $expected, found ${describe(list[index])}")

    fun string(index: Int): String = list[index] as? String ?: throw wrong(index, "a string")

    fun long(index: Int): Long = list[index] as? Long ?: throw wrong(index, "an integer")

    fun int(index: Int): Int = long(index).toInt()

    fun double(index: Int): Double {
        val v = list[index]
        return when (v) {
            is Double -> v
            is Long -> v.toDouble()
            else -> throw wrong(index, "a number")
        }
    }

    fun obj(index: Int): JsonObject = list[index] as? JsonObject ?: throw wrong(index, "an object")

    fun array(index: Int): JsonArray = list[index] as? JsonArray ?: throw wrong(index, "an array")

    fun objects(): List<JsonObject> = (0 until size).map { obj(it) }

    fun strings(): List<String> = (0 until size).map { string(it) }

    fun ints(): IntArray = IntArray(size) { int(it) }

    fun doubles(): DoubleArray = DoubleArray(size) { double(it) }
}

internal fun describe(value: Any?): String = when (value) {
    null -> "null"
    is String -> "the string \"${if (value.length > 40) value.substring(0, 40) + "…" else value}\""
    is JsonObject -> "an object"
    is JsonArray -> "an array"
    else -> value.toString()
}
