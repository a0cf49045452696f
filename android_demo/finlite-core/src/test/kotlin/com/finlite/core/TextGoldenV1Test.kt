package com.finlite.core

import com.finlite.core.bundle.Formats
import com.finlite.core.text.TextEncoder
import com.finlite.core.text.TextSpec
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** Every case of the Python project's tests/golden/text_v1.json: units, then feature strings, then ids. */
class TextGoldenV1Test {
    private val golden = TestFiles.json(TestFiles.golden("text_v1.json"))
    private val encoder = TextEncoder(TextSpec.fromJson(golden.obj("spec")))
    private val cases = golden.array("cases").objects()

    @Test
    fun hasAllThirtySixCases() {
        assertEquals(Formats.TEXT, golden.string("format"))
        assertEquals(36, cases.size)
    }

    @Test
    fun unitsMatch() {
        for (c in cases) {
            val units = c.array("units")
            val expected = (0 until units.size).map { units.array(it).string(0) + ":" + units.array(it).string(1) }
            val actual = encoder.units(c.string("text")).map { it.toString() }
            assertEquals("case ${c.string("name")}: units", expected, actual)
        }
    }

    @Test
    fun featuresMatch() {
        for (c in cases) {
            val feats = c.array("features")
            val expected = (0 until feats.size).map { feats.array(it).strings() }
            assertEquals("case ${c.string("name")}: features", expected, encoder.features(c.string("text")))
        }
    }

    @Test
    fun idsMatchAndTheRestIsPadding() {
        val cols = encoder.spec.maxFeats
        for (c in cases) {
            val ids = encoder.encode(c.string("text"))
            assertEquals(encoder.spec.maxUnits * cols, ids.size)
            val rows = c.array("ids")
            val expected = IntArray(ids.size)
            for (r in 0 until rows.size) {
                val row = rows.array(r).ints()
                for (k in row.indices) expected[r * cols + k] = row[k]
            }
            val diff = firstDifference(expected, ids, cols)
            assertTrue("case ${c.string("name")}: $diff", diff == null)
        }
    }
}
