package com.finlite.core.json

/**
 * A small, strict JSON reader (RFC 8259) for the bundle's JSON files: no dependency, no reflection.
 *
 * Values become [JsonObject] (keys in file order), [JsonArray], [String], [Long] (integers without a
 * fraction or exponent that fit), [Double], [Boolean] or `null`. Python's `json.dumps` may write `NaN`,
 * `Infinity` and `-Infinity` for non-finite floats; they are accepted as [Double]s. A key repeated within an
 * object is an error (as in finlite's Python reader of bundle files).
 */
object Json {
    /** Parses [text]; [source] names the file in error messages. */
    fun parse(text: String, source: String = "json"): Any? {
        val parser = Parser(text, source)
        val value = parser.value("$")
        parser.skipSpace()
        if (!parser.atEnd()) throw parser.error("unexpected text after the JSON value")
        return value
    }

    /** Parses [text], which must hold a JSON object. */
    fun parseObject(text: String, source: String = "json"): JsonObject {
        val value = parse(text, source)
        return value as? JsonObject ?: throw JsonException("$source: the top-level value is not a JSON object")
    }
}

/** A JSON file that cannot be read, or a value of an unexpected type; the message names file and path. */
class JsonException(message: String) : RuntimeException(message)

private class Parser(private val s: String, private val source: String) {
    private var i = 0

    fun atEnd(): Boolean = i >= s.length

    fun error(message: String): JsonException {
        var line = 1
        var column = 1
        for (k in 0 until minOf(i, s.length)) {
            if (s[k] == '\n') { line++; column = 1 } else column++
        }
        return JsonException("$source: line $line, column $column: $message")
    }

    fun skipSpace() {
        while (i < s.length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++
    }

    fun value(path: String): Any? {
        skipSpace()
        if (atEnd()) throw error("unexpected end of input")
        val c = s[i]
        return when {
            c == '{' -> objectValue(path)
            c == '[' -> arrayValue(path)
            c == '"' -> stringValue()
            c == '-' || (c in '0'..'9') -> numberValue()
            s.startsWith("true", i) -> { i += 4; true }
            s.startsWith("false", i) -> { i += 5; false }
            s.startsWith("null", i) -> { i += 4; null }
            s.startsWith("NaN", i) -> { i += 3; Double.NaN }
            s.startsWith("Infinity", i) -> { i += 8; Double.POSITIVE_INFINITY }
            else -> throw error("unexpected character '$c'")
        }
    }

    private fun objectValue(path: String): JsonObject {
        i++ // {
        val map = LinkedHashMap<String, Any?>()
        skipSpace()
        if (i < s.length && s[i] == '}') { i++; return JsonObject(map, path) }
        while (true) {
            skipSpace()
            if (atEnd() || s[i] != '"') throw error("expected a string key")
            val key = stringValue()
            skipSpace()
            if (atEnd() || s[i] != ':') throw error("expected ':' after key \"$key\"")
            i++
            // a repeated key is refused: readers that keep the first and readers that keep the last would disagree
            if (map.containsKey(key)) throw error("duplicate key \"$key\"")
            map[key] = value("$path.$key")
            skipSpace()
            if (atEnd()) throw error("unexpected end of input in an object")
            when (s[i]) {
                ',' -> i++
                '}' -> { i++; return JsonObject(map, path) }
                else -> throw error("expected ',' or '}'")
            }
        }
    }

    private fun arrayValue(path: String): JsonArray {
        i++ // [
        val list = ArrayList<Any?>()
        skipSpace()
        if (i < s.length && s[i] == ']') { i++; return JsonArray(list, path) }
        while (true) {
            list.add(value("$path[${list.size}]"))
            skipSpace()
            if (atEnd()) throw error("unexpected end of input in an array")
            when (s[i]) {
                ',' -> i++
                ']' -> { i++; return JsonArray(list, path) }
                else -> throw error("expected ',' or ']'")
            }
        }
    }

    private fun stringValue(): String {
        i++ // opening quote
        val out = StringBuilder()
        while (true) {
            if (atEnd()) throw error("unterminated string")
            val c = s[i++]
            when {
                c == '"' -> return out.toString()
                c == '\\' -> {
                    if (atEnd()) throw error("unterminated escape")
                    when (val e = s[i++]) {
                        '"' -> out.append('"')
                        '\\' -> out.append('\\')
                        '/' -> out.append('/')
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000C')
                        'n' -> out.append('\n')
                        'r' -> out.append('\r')
                        't' -> out.append('\t')
                        // surrogate pairs arrive as two escapes; appending both UTF-16 units joins them
                        'u' -> {
                            if (i + 4 > s.length) throw error("truncated \\u escape")
                            val hex = s.substring(i, i + 4)
                            val unit = try { Integer.parseInt(hex, 16) } catch (e: NumberFormatException) {
                                throw error("bad \\u escape \"$hex\"")
                            }
                            out.appendCodePoint(unit)
                            i += 4
                        }
                        else -> throw error("unknown escape '\\$e'")
                    }
                }
                c < ' ' -> throw error("control character in a string")
                else -> out.append(c)
            }
        }
    }

    private fun numberValue(): Any {
        val start = i
        if (s[i] == '-') {
            i++
            if (s.startsWith("Infinity", i)) { i += 8; return Double.NEGATIVE_INFINITY }
        }
        var integral = true
        while (i < s.length) {
            val c = s[i]
            if (c in '0'..'9') { i++; continue }
            if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; i++; continue }
            break
        }
        val text = s.substring(start, i)
        if (integral) {
            val asLong = text.toLongOrNull()
            if (asLong != null) return asLong
        }
        return text.toDoubleOrNull() ?: throw error("bad number \"$text\"")
    }
}
