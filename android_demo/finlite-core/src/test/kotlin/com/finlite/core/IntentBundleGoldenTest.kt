package com.finlite.core

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.bundle.Formats
import com.finlite.core.post.IntentPostprocess
import com.finlite.core.text.TextEncoder
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The intent bundle's golden.json: the encoder gives exactly `units` and `ids`; post-processing gives `expected`. */
class IntentBundleGoldenTest {
    private val bundle = FinliteBundle.load(DirectoryBundleSource(TestFiles.bundleDir("intent")))
    private val golden = TestFiles.json(java.io.File(TestFiles.bundleDir("intent"), "golden.json"))
    private val examples = golden.array("examples").objects()
    private val encoder: TextEncoder = bundle.textEncoder!!

    @Test
    fun goldenCoversTheEdgeCases() {
        assertEquals(Formats.GOLDEN, golden.string("format"))
        val texts = examples.map { it.string("text") }
        assertTrue("empty", texts.contains(""))
        assertTrue("whitespace only", texts.any { it.isNotEmpty() && it.trim() == "" })
        assertTrue("English", texts.any { t -> t.split(" ").size > 3 && t.all { it < '\u0080' } })
        assertTrue("Chinese only", texts.any { t -> t.isNotEmpty() && t.all { it in '\u4E00'..'\u9FFF' } })
        assertTrue("mixed zh + en", texts.any { t -> t.any { it in '\u4E00'..'\u9FFF' } && t.any { it in 'a'..'z' } && t.length < 100 })
        assertTrue("emoji outside the BMP", texts.any { t -> (0 until t.length).any { Character.isHighSurrogate(t[it]) } })
        assertTrue("ZWJ sequence", texts.any { it.contains("\u200D") })
        assertTrue("fullwidth", texts.any { t -> t.any { it in '\uFF01'..'\uFF5E' } })
        assertTrue("10,000 characters", texts.any { it.length == 10000 })
    }

    @Test
    fun unitsAndIdsMatchPython() {
        val cols = encoder.spec.maxFeats
        for ((n, e) in examples.withIndex()) {
            val text = e.string("text")
            val what = "example $n (${text.take(30)})"
            assertEquals("$what: units", e.array("units").strings(), encoder.units(text).map { it.text })
            val diff = firstDifference(flatInts(e.array("ids")), encoder.encode(text), cols)
            assertTrue("$what: ids differ at $diff", diff == null)
        }
    }

    @Test
    fun goldenInputShapeIsTheSpecShape() {
        val shape = golden.obj("input").array("shape").ints().toList()
        assertEquals(listOf(encoder.spec.maxUnits, encoder.spec.maxFeats), shape)
        val tflite = bundle.manifest.artifact("tflite", "fp32")
        assertEquals(listOf(1, encoder.spec.maxUnits, encoder.spec.maxFeats), tflite.inputs[0].shape)
        assertEquals("int32", tflite.inputs[0].dtype)
        assertEquals(listOf(1, bundle.labels.size), tflite.outputs[0].shape)
    }

    @Test
    fun postprocessingReproducesEveryArtifactsExpectedOutput() {
        val post = IntentPostprocess.fromJson(golden.obj("postprocess"), bundle.labels)
        assertEquals(bundle.intentPostprocess!!.oosThreshold, post.oosThreshold, 0.0)
        var checked = 0
        var outOfScope = 0
        for ((n, e) in examples.withIndex()) {
            val expected = e.obj("expected")
            for (file in expected.keys) {
                val x = expected.obj(file)
                val what = "example $n, $file"
                val logits = x.array("logits").doubles().map { it.toFloat() }.toFloatArray()
                val result = post.decode(logits)
                assertClose("$what: probs", x.array("probs").doubles(), result.probs, 1e-6)
                val top = x.array("top_k").objects()
                assertEquals("$what: top_k labels", top.map { it.string("label") }, result.topK.map { it.label })
                assertEquals("$what: top_k indices", top.map { it.int("index") }, result.topK.map { it.index })
                assertClose("$what: top_k probs", top.map { it.double("prob") }.toDoubleArray(), result.topK.map { it.prob }.toFloatArray(), 1e-6)
                assertEquals("$what: label", x.string("label"), result.label)
                if (result.isOutOfScope) outOfScope++
                checked++
            }
        }
        assertEquals(examples.size * bundle.manifest.artifacts.size, checked)
        println("IntentBundleGoldenTest: $checked post-processed outputs, $outOfScope below the out-of-scope threshold")
    }
}
