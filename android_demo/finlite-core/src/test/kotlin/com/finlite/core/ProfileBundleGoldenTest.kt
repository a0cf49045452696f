package com.finlite.core

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.JsonObject
import com.finlite.core.post.ProfilePostprocess
import com.finlite.core.profile.OOV_ID
import com.finlite.core.profile.Timestamps
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The profile bundle's golden.json: raw event / attribute rows at `as_of_ms` → the parser and encoder give
 * exactly `cat` and `num` / `static` within 1e-6; post-processing the expected logits of every artifact gives
 * `stage`, `stage_probs`, `tags` and `top_products`.
 */
class ProfileBundleGoldenTest {
    private val dir = TestFiles.bundleDir("profile")
    private val bundle = FinliteBundle.load(DirectoryBundleSource(dir))
    private val golden = TestFiles.json(java.io.File(dir, "golden.json"))
    private val examples = golden.array("examples").objects()

    private fun cells(o: JsonObject): Map<String, String> = o.keys.associate { it to o.string(it) }

    @Test
    fun goldenCoversTheEdgeCases() {
        val names = examples.map { it.string("name") }
        for (edge in listOf("no_events", "no_attributes", "one_event", "over_max_events", "held_out")) {
            assertTrue("golden.json lacks a $edge case", names.contains(edge))
        }
        val over = examples.first { it.string("name") == "over_max_events" }
        assertTrue(over.array("events").size > bundle.profileSpec!!.maxEvents)
    }

    @Test
    fun asOfTextMatchesAsOfMs() {
        for (e in examples) {
            assertEquals(e.long("as_of_ms"), Timestamps.parse(e.string("as_of")))
            assertEquals(e.string("as_of"), Timestamps.format(e.long("as_of_ms")))
        }
    }

    @Test
    fun rawRowsEncodeLikePython() {
        val parser = bundle.rowParser!!
        val encoder = bundle.profileEncoder!!
        for ((n, e) in examples.withIndex()) {
            val what = "example $n (${e.string("name")}, ${e.string("user_id")})"
            val rows = e.array("events").objects()
            val events = rows.withIndex().map { (i, r) -> parser.event(cells(r), "events row ${i + 1}") }
            val attrs = e.objOrNull("attributes")?.let { parser.attributes(cells(it)) }
            val inputs = encoder.encode(events, attrs, e.long("as_of_ms"))
            val pinned = e.obj("inputs")
            val diff = firstDifference(flatInts(pinned.array("cat")), inputs.cat, 4)
            assertTrue("$what: cat $diff", diff == null)
            assertClose("$what: num", flatDoubles(pinned.array("num")), inputs.num, 1e-6)
            assertClose("$what: static", pinned.array("static").doubles(), inputs.static, 1e-6)
        }
    }

    @Test
    fun postprocessingReproducesEveryArtifactsExpectedOutput() {
        val post = ProfilePostprocess.fromJson(golden.obj("postprocess"))
        assertEquals(bundle.labels.size, post.outputs)
        var checked = 0
        for ((n, e) in examples.withIndex()) {
            val expected = e.obj("expected")
            for (file in expected.keys) {
                val x = expected.obj(file)
                val what = "example $n, $file"
                val result = post.decode(x.array("logits").doubles().map { it.toFloat() }.toFloatArray())
                assertEquals("$what: stage", x.string("stage"), result.stage)
                val stageProbs = x.obj("stage_probs")
                assertEquals("$what: stages", stageProbs.keys.toList(), result.stageProbs.keys.toList())
                assertClose("$what: stage_probs", stageProbs.keys.map { stageProbs.double(it) }.toDoubleArray(), result.stageProbs.values.toFloatArray(), 1e-6)
                val tags = x.obj("tags")
                assertEquals("$what: tags", tags.keys.toList(), result.tags.keys.toList())
                for (tag in tags.keys) assertEquals("$what: tag $tag", tags.double(tag), result.tags.getValue(tag), 1e-9)
                val top = x.array("top_products").objects()
                assertEquals("$what: products", top.map { it.string("product") }, result.topProducts.map { it.product })
                assertEquals("$what: product indices", top.map { it.int("index") }, result.topProducts.map { it.index })
                assertClose("$what: product probs", top.map { it.double("prob") }.toDoubleArray(), result.topProducts.map { it.prob }.toFloatArray(), 1e-6)
                checked++
            }
        }
        assertEquals(examples.size * bundle.manifest.artifacts.size, checked)
    }

    /**
     * The vocabularies the parser reads from the `cat` and `static` columns agree with preprocess.json's own
     * `attribute_vocabularies` and the spec's sizes, ids from 2 without gaps (FinliteKit asserts the same).
     */
    @Test
    fun vocabularyAgreesWithTheAttributeVocabulariesAndTheSpec() {
        val v = bundle.rowParser!!.vocabulary
        val spec = bundle.profileSpec!!
        val attrs = bundle.preprocess.obj("tensors").obj("attribute_vocabularies")
        val aum = attrs.obj("aum_bucket")
        assertEquals(aum.keys.filter { it != "<pad>" && it != "<oov>" }.associate { it to aum.int(it) }, v.aumBuckets)
        assertEquals(attrs.obj("holdings").array("order").strings(), v.holdingProducts)
        for ((vocab, size) in listOf(v.eventTypes to spec.eventTypeVocab, v.pages to spec.pageVocab, v.products to spec.productVocab)) {
            assertEquals((OOV_ID + 1 until size).toList(), vocab.values.sorted())
        }
        val static = bundle.preprocess.obj("tensors").array("inputs").objects().first { it.string("name") == "static" }
        assertEquals("the static layout of tests/golden/profile_v1.json", TestFiles.json(TestFiles.golden("profile_v1.json")).array("static_columns").strings(),
            static.array("columns").objects().map { it.string("name") })
    }

    @Test
    fun manifestDescribesTheTfliteInputsInOrder() {
        val spec = bundle.profileSpec!!
        assertEquals(listOf("cat", "num", "static"), bundle.manifest.inputNames)
        val tflite = bundle.manifest.artifact("tflite", "fp32")
        assertEquals(listOf("serving_default_cat", "serving_default_num", "serving_default_static"), tflite.inputs.map { it.name })
        assertEquals(listOf(1, spec.maxEvents, 4), tflite.inputs[0].shape)
        assertEquals(listOf(1, spec.maxEvents, 6), tflite.inputs[1].shape)
        assertEquals(listOf(1, spec.staticFeatures), tflite.inputs[2].shape)
    }
}
