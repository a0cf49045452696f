package com.finlite.core

import com.finlite.core.bundle.Formats
import com.finlite.core.json.Json
import com.finlite.core.json.JsonException
import com.finlite.core.text.TextEncoder
import com.finlite.core.text.TextSpec
import com.finlite.core.text.UnitKind
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** Inputs beyond the golden files: long texts, lone surrogates, and a spec version this port does not implement. */
class TextEncoderEdgeCasesTest {
    private val specJson = TestFiles.json(TestFiles.golden("text_v1.json")).obj("spec")
    private val encoder = TextEncoder(TextSpec.fromJson(specJson))

    @Test
    fun tenThousandCharactersGiveAFullMatrixQuickly() {
        val longWord = "a".repeat(10000)
        val cjk = "余".repeat(10000)
        val start = System.nanoTime()
        val wordIds = encoder.encode(longWord)
        val cjkIds = encoder.encode(cjk)
        val ms = (System.nanoTime() - start) / 1e6
        assertEquals(1, encoder.units(longWord).size) // one word cut at max_word_chars
        assertEquals(32, encoder.units(longWord)[0].text.length)
        assertEquals(64, encoder.units(cjk).size)
        assertTrue(cjkIds.all { it == 0 || it in 1 until 10240 })
        assertTrue("all 64 rows used", (0 until 64).all { cjkIds[it * 32] != 0 })
        assertTrue(wordIds[0] != 0 && wordIds[32] == 0)
        assertTrue("10,000 characters took $ms ms", ms < 2000)
    }

    @Test
    fun loneSurrogatesAreSeparators() {
        val units = encoder.units("ab\uD83Dcd\uDE00ef")
        assertEquals(listOf("ab", "cd", "ef"), units.map { it.text })
        assertTrue(units.all { it.kind == UnitKind.WORD })
    }

    @Test
    fun refusesAnotherSpecVersion() {
        val text = Json.parseObject(specJsonText().replace(Formats.TEXT, "finlite.text/2"))
        try {
            TextSpec.fromJson(text)
            fail("finlite.text/2 accepted")
        } catch (e: JsonException) {
            assertTrue(e.message!!, e.message!!.contains("finlite.text/2"))
        }
    }

    @Test
    fun refusesUnknownFields() {
        val text = Json.parseObject(specJsonText().replace("\"buckets\"", "\"extra\": 1, \"buckets\""))
        try {
            TextSpec.fromJson(text)
            fail("unknown field accepted")
        } catch (e: JsonException) {
            assertTrue(e.message!!, e.message!!.contains("extra"))
        }
    }

    private fun specJsonText(): String {
        val raw = TestFiles.golden("text_v1.json").readText(Charsets.UTF_8)
        val start = raw.indexOf("\"spec\": ") + 8
        return raw.substring(start, raw.indexOf('\n', start)).trimEnd(',')
    }
}
