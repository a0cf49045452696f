package com.finlite.core

import com.finlite.core.json.Json
import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

class JsonTest {
    @Test
    fun parsesNestedValuesKeepingKeyOrder() {
        val o = Json.parseObject("""{"b": [1, -2.5e3, true, null], "a": {"x": "y"}, "n": 1782777276541}""")
        assertEquals(listOf("b", "a", "n"), o.keys.toList())
        val b = o.array("b")
        assertEquals(1L, b[0])
        assertEquals(-2500.0, b.double(1), 0.0)
        assertEquals(true, b[2])
        assertNull(b[3])
        assertEquals("y", o.obj("a").string("x"))
        assertEquals(1782777276541L, o.long("n"))
    }

    @Test
    fun surrogatePairEscapesBecomeOneCodePoint() {
        val s = (Json.parse("\"\\ud83d\\ude00 \\u00e9\\n\\\"\"") as String)
        assertEquals(0x1F600, s.codePointAt(0))
        assertEquals(5, s.codePointCount(0, s.length)) // 😀, space, é, newline, quote
        assertEquals(0xE9, s.codePointAt(3))
    }

    @Test
    fun acceptsPythonNonFiniteFloats() {
        val a = Json.parse("[NaN, Infinity, -Infinity]") as JsonArray
        assertTrue(a.double(0).isNaN())
        assertEquals(Double.POSITIVE_INFINITY, a.double(1), 0.0)
        assertEquals(Double.NEGATIVE_INFINITY, a.double(2), 0.0)
    }

    @Test
    fun errorsNameTheLineAndThePath() {
        try {
            Json.parse("{\n  \"a\": [1, 2,, 3]\n}", "x.json")
            fail("no error")
        } catch (e: JsonException) {
            assertTrue(e.message!!, e.message!!.startsWith("x.json: line 2, column "))
        }
        val o: JsonObject = Json.parseObject("""{"text": {"buckets": "many"}}""")
        try {
            o.obj("text").int("buckets")
            fail("no error")
        } catch (e: JsonException) {
            assertEquals("$.text.buckets must be an integer, found the string \"many\"", e.message)
        }
    }

    @Test
    fun rejectsTrailingText() {
        try {
            Json.parse("{} {}")
            fail("no error")
        } catch (e: JsonException) {
            assertTrue(e.message!!.contains("after the JSON value"))
        }
    }
}
