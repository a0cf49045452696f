package com.finlite.demo

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.Json
import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.OOV_ID
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * The app's Android-free glue on the JVM: IntentClassifier / ProfileScorer feed the right tensors, by the
 * artifact's tensor names, to a runner that replays golden.json (it answers only inputs identical to a golden
 * example's), and the built-in synthetic event log uses only known categories.
 */
class AppPipelineTest {
    private fun bundleDir(task: String): File {
        val root = System.getProperty("finlite.bundles") ?: throw AssertionError("system property finlite.bundles is not set")
        return File(root, task)
    }

    private fun golden(task: String): JsonObject = Json.parseObject(File(bundleDir(task), "golden.json").readText(), "$task/golden.json")

    private fun flat(rows: JsonArray): DoubleArray {
        val out = ArrayList<Double>()
        for (r in 0 until rows.size) { val row = rows.array(r); for (c in 0 until row.size) out.add(row.double(c)) }
        return out.toDoubleArray()
    }

    private fun same(expected: DoubleArray, actual: FloatArray, atol: Double): Boolean =
        expected.size == actual.size && expected.indices.all { Math.abs(expected[it] - actual[it]) <= atol }

    private fun same(expected: DoubleArray, actual: IntArray): Boolean =
        expected.size == actual.size && expected.indices.all { expected[it] == actual[it].toDouble() }

    /** A runner answering with model.tflite's expected logits of the golden example whose inputs it receives. */
    private inner class GoldenReplay(private val task: String) : ModelRunnerFactory {
        var calls = 0

        override fun create(model: ByteArray, artifact: Artifact): ModelRunner = object : ModelRunner {
            override fun run(inputs: List<ModelInput>): FloatArray {
                calls++
                assertEquals(artifact.inputs.map { it.name }, inputs.map { it.tensorName })
                for (e in golden(task).array("examples").objects()) {
                    val match = if (task == "intent") {
                        same(flat(e.array("ids")), (inputs[0] as ModelInput.Ints).data)
                    } else {
                        val pinned = e.obj("inputs")
                        same(flat(pinned.array("cat")), (inputs[0] as ModelInput.Ints).data) &&
                            same(flat(pinned.array("num")), (inputs[1] as ModelInput.Floats).data, 1e-6) &&
                            same(pinned.array("static").doubles(), (inputs[2] as ModelInput.Floats).data, 1e-6)
                    }
                    if (match) return e.obj("expected").obj(artifact.file).array("logits").doubles().map { it.toFloat() }.toFloatArray()
                }
                throw AssertionError("the runner received inputs that match no golden example")
            }

            override fun close() {}
        }
    }

    @Test
    fun intentClassifierAnswersLikeTheGoldenFile() {
        val replay = GoldenReplay("intent")
        val examples = golden("intent").array("examples").objects()
        IntentClassifier(FinliteBundle.load(DirectoryBundleSource(bundleDir("intent"))), replay, "fp32").use { c ->
            assertEquals("model.tflite", c.artifact.file)
            for (e in examples) {
                val timed = c.classify(e.string("text"))
                assertEquals(e.obj("expected").obj("model.tflite").string("label"), timed.value.label)
                assertTrue(timed.preprocessMs >= 0 && timed.inferenceMs >= 0)
            }
        }
        assertEquals(examples.size, replay.calls)
    }

    @Test
    fun profileScorerAnswersLikeTheGoldenFile() {
        val replay = GoldenReplay("profile")
        val examples = golden("profile").array("examples").objects()
        ProfileScorer(FinliteBundle.load(DirectoryBundleSource(bundleDir("profile"))), replay, "int8").use { s ->
            assertEquals("model.int8.tflite", s.artifact.file)
            for (e in examples) {
                val rows = e.array("events").objects().map { r -> r.keys.associate { it to r.string(it) } }
                val attrs = e.objOrNull("attributes")?.let { a -> a.keys.associate { it to a.string(it) } }
                val result = s.score(rows, attrs, e.long("as_of_ms")).value
                val expected = e.obj("expected").obj("model.int8.tflite")
                assertEquals(expected.string("stage"), result.stage)
                assertEquals(expected.array("top_products").objects().map { it.string("product") }, result.topProducts.map { it.product })
            }
        }
        assertEquals(examples.size, replay.calls)
    }

    @Test
    fun syntheticEventLogUsesKnownCategoriesOnly() {
        val bundle = FinliteBundle.load(DirectoryBundleSource(bundleDir("profile")))
        val parser = bundle.rowParser!!
        val asOf = 1_782_777_276_541L
        val raw = SyntheticEventLog.events("demo", asOf)
        val events = raw.map { parser.event(it) }
        for ((i, e) in events.withIndex()) {
            assertNotEquals("event $i type ${raw[i]["event_type"]}", OOV_ID, e.eventType)
            assertNotEquals("event $i page ${raw[i]["page"]}", OOV_ID, e.page)
            assertNotEquals("event $i product ${raw[i]["product"]}", OOV_ID, e.product)
            assertTrue("event $i is after as_of", e.tsMs <= asOf)
        }
        val attrs = parser.attributes(SyntheticEventLog.attributes("demo"))
        assertNotEquals(OOV_ID, attrs.aumBucket)
        assertEquals(3, attrs.holdings.sum())
        val inputs = bundle.profileEncoder!!.encode(events, attrs, asOf)
        assertEquals(raw.size, (0 until bundle.profileSpec!!.maxEvents).count { inputs.cat[it * 4] != 0 })
    }
}
