package com.finlite.core

import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileEncoder
import com.finlite.core.profile.ProfileSpec
import com.finlite.core.profile.RawRowParser
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Every case of the Python project's tests/golden/profile_v2.json (tests/golden/make_profile_golden.py), for both
 * schemas in it (the synthetic bank's and another bank's): the spec is read from the file, the raw text rows go
 * through [RawRowParser] and [ProfileEncoder], and `cat` must match exactly, `num` / `static` within 1e-6.
 */
class ProfileGoldenV2Test {
    private val golden = TestFiles.json(TestFiles.golden("profile_v2.json"))
    private val schemas = golden.array("schemas").objects()

    private fun cells(o: JsonObject): Map<String, String> = o.keys.associate { it to o.string(it) }

    @Test
    fun holdsBothSchemasWithTheirEdgeCases() {
        assertEquals("finlite.golden.profile/2", golden.string("format"))
        assertEquals(listOf("synthetic", "other_bank"), schemas.map { it.string("name") })
        for (s in schemas) {
            val spec = ProfileSpec.fromJson(s.obj("profile"))
            val cases = s.array("cases").objects()
            assertTrue(cases.map { it.string("name") }.containsAll(listOf("no_events", "no_attributes")))
            assertTrue(cases.any { it.array("events").size > spec.maxEvents })
        }
        val other = ProfileSpec.fromJson(schemas[1].obj("profile")).schema
        assertEquals(listOf(3, 4), listOf(other.tags.size, other.stages.size))
    }

    @Test
    fun rawRowsEncodeLikePython() {
        for (s in schemas) {
            val spec = ProfileSpec.fromJson(s.obj("profile"))
            val parser = RawRowParser(spec.schema)
            val encoder = ProfileEncoder(spec)
            for (c in s.array("cases").objects()) {
                val what = "${s.string("name")} case ${c.string("name")}"
                val events = c.array("events").objects().withIndex().map { (i, r) -> parser.event(cells(r), "events row ${i + 1}") }
                val attrs = c.objOrNull("attributes")?.let { parser.attributes(cells(it)) }
                val inputs = encoder.encode(events, attrs, c.long("as_of_ms"))
                val pinned = c.obj("inputs")
                val diff = firstDifference(flatInts(pinned.array("cat")), inputs.cat, spec.catFeatures)
                assertTrue("$what: cat $diff", diff == null)
                assertClose("$what: num", flatDoubles(pinned.array("num")), inputs.num, 1e-6)
                assertClose("$what: static", pinned.array("static").doubles(), inputs.static, 1e-6)
            }
        }
    }
}
