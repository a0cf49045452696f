package com.finlite.core

import com.finlite.core.json.JsonObject
import com.finlite.core.profile.EventRow
import com.finlite.core.profile.ProfileSpec
import com.finlite.core.profile.ProfileState
import com.finlite.core.profile.StateException
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.util.Base64

/**
 * Every stream of the Python project's tests/golden/state_v1.json: the raw rows go through [ProfileState] one
 * by one and after each event the tensors must equal the batch encoder's (cat exactly, num / static within
 * 1e-6); at `blob_after` the state's bytes must equal the golden blob, and the stream continues from the blob
 * read back, as after an app restart.
 */
class ProfileStateGoldenTest {
    private val golden = TestFiles.json(TestFiles.golden("state_v1.json"))
    private val schemas = golden.array("schemas").objects()

    private fun cells(o: JsonObject): Map<String, String> = o.keys.associate { it to o.string(it) }

    @Test
    fun everyStreamEqualsTheBatchEncoderAcrossARestart() {
        assertEquals("finlite.golden.state/1", golden.string("format"))
        var checked = 0
        for (s in schemas) {
            val spec = ProfileSpec.fromJson(s.obj("profile"))
            val sha = s.string("spec_sha256")
            for (stream in s.array("streams").objects()) {
                val what = "${s.string("name")} stream ${stream.string("name")}"
                var state = ProfileState(spec, sha)
                state.setAttributeRow(stream.objOrNull("attributes")?.let { cells(it) })
                val events = stream.array("events").objects()
                for (point in stream.array("checkpoints").objects()) {
                    val k = point.int("after")
                    if (k > 0) state.updateRow(cells(events[k - 1]), "$what row $k")
                    assertEquals("$what after $k: count", point.long("count"), state.count)
                    val inputs = state.inputs(point.long("as_of_ms"))
                    val pinned = point.obj("inputs")
                    val diff = firstDifference(flatInts(pinned.array("cat")), inputs.cat, spec.catFeatures)
                    assertTrue("$what after $k: cat $diff", diff == null)
                    assertClose("$what after $k: num", flatDoubles(pinned.array("num")), inputs.num, 1e-6)
                    assertClose("$what after $k: static", pinned.array("static").doubles(), inputs.static, 1e-6)
                    if (k == stream.int("blob_after")) {
                        val blob = Base64.getDecoder().decode(stream.string("blob"))
                        assertArrayEquals("$what: the persisted bytes", blob, state.toBytes())
                        state = ProfileState.fromBytes(spec, sha, blob)
                    }
                    checked++
                }
            }
        }
        assertTrue(checked > 40)
    }

    @Test
    fun aDamagedOrForeignBlobIsAOneLineError() {
        val s = schemas[0]
        val spec = ProfileSpec.fromJson(s.obj("profile"))
        val sha = s.string("spec_sha256")
        val stream = s.array("streams").objects().first { it.string("name") == "all_rows_scrambled" }
        val blob = Base64.getDecoder().decode(stream.string("blob"))
        val cases = mapOf(
            "bytes, expected" to blob.copyOf(blob.size - 3),
            "not a finlite.state/1 blob" to "XXXX".toByteArray() + blob.copyOfRange(4, blob.size),
            "version 9" to blob.copyOf().also { it[4] = 9 }
        )
        for ((message, data) in cases) expectStateError(message) { ProfileState.fromBytes(spec, sha, data) }
        expectStateError("another preprocess.json") { ProfileState.fromBytes(spec, "cd".repeat(32), blob) }
        val state = ProfileState.fromBytes(spec, sha, blob)
        expectStateError("before the newest event") { state.inputs(0) }
    }

    @Test
    fun aFullWindowKeepsTheNewestEventsAndCountsAll() {
        val spec = ProfileSpec.fromJson(schemas[0].obj("profile"))
        val state = ProfileState(spec, schemas[0].string("spec_sha256"))
        val cats = IntArray(spec.schema.eventCategoricals.size) { 2 }
        val nums = DoubleArray(spec.schema.eventNumerics.size) { 1.5 }
        for (i in 0 until 1000) state.update(EventRow(1_700_000_000_000L + i * 1000L, cats, nums))
        assertEquals(spec.maxEvents, state.size)
        assertEquals(1000L, state.count)
        assertEquals((996 until 1000).map { 1_700_000_000_000L + it * 1000L }, state.events().map { it.tsMs })
    }

    private fun expectStateError(message: String, block: () -> Unit) {
        try {
            block()
            fail("expected a StateException containing '$message'")
        } catch (e: StateException) {
            assertTrue("'${e.message}' should contain '$message'", e.message!!.contains(message) && !e.message!!.contains("\n"))
        }
    }
}
