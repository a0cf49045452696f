package com.finlite.core

import com.finlite.core.text.TextEncoder
import com.finlite.core.text.TextSpec
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.security.MessageDigest

/**
 * The Python project's tests/golden/text_fuzz_v1.json: 10,000 generated hostile strings (lone surrogates,
 * controls, astral emoji, mixed scripts, 10,000-character inputs, …); the SHA-256 of each one's ids must
 * match (first 16 hex digits of the little-endian int32 id matrix).
 */
class TextFuzzGoldenTest {
    private val golden = TestFiles.json(TestFiles.golden("text_fuzz_v1.json"))
    private val encoder = TextEncoder(TextSpec.fromJson(golden.obj("spec")))

    private fun digest(ids: IntArray): String {
        val bytes = ByteBuffer.allocate(ids.size * 4).order(ByteOrder.LITTLE_ENDIAN)
        bytes.asIntBuffer().put(ids)
        return MessageDigest.getInstance("SHA-256").digest(bytes.array()).joinToString("") { "%02x".format(it) }.substring(0, 16)
    }

    @Test
    fun everyGeneratedStringEncodesToTheSameIds() {
        val cases = golden.array("cases").objects()
        assertEquals(10_000, cases.size)
        val wrong = mutableListOf<String>()
        for ((i, c) in cases.withIndex()) {
            val repeat = if (c.has("repeat")) c.int("repeat") else 1
            val text = c.string("text").repeat(repeat)
            if (digest(encoder.encode(text)) != c.string("sha256")) {
                wrong += "case $i " + c.string("text").take(40).map { "U+%04X".format(it.toInt()) }.joinToString(" ")
            }
        }
        assertTrue("${wrong.size} of ${cases.size} differ, first: ${wrong.take(5)}", wrong.isEmpty())
    }

    private fun hasLoneSurrogate(s: String): Boolean = s.indices.any { i ->
        (s[i].isHighSurrogate() && (i + 1 == s.length || !s[i + 1].isLowSurrogate())) ||
            (s[i].isLowSurrogate() && (i == 0 || !s[i - 1].isHighSurrogate()))
    }

    @Test
    fun theFileHoldsLoneSurrogatesAndLongInputs() {
        val cases = golden.array("cases").objects()
        assertTrue(cases.count { hasLoneSurrogate(it.string("text")) } >= 100)  // kept as such by the JSON reader
        assertTrue(cases.count { it.has("repeat") && it.string("text").length * it.int("repeat") >= 9_000 } >= 20)
    }
}
