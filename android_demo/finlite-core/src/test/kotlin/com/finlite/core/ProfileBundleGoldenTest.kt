package com.finlite.core

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.JsonObject
import com.finlite.core.post.ProfilePostprocess
import com.finlite.core.profile.Timestamps
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The profile bundle's golden.json: raw event / attribute rows at `as_of_ms` → the parser and encoder give
 * exactly `cat` and `num` / `static` within 1e-6; post-processing the expected logits of every artifact gives
 * `stage`, `stage_probs`, `tags`, `buy_prob` and `top_products` with their propensities.
 */
abstract class ProfileBundleGoldenCases(bundleName: String) {
    private val dir = TestFiles.bundleDir(bundleName)
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
            val diff = firstDifference(flatInts(pinned.array("cat")), inputs.cat, bundle.profileSpec!!.catFeatures)
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
                assertEquals("$what: buy_prob", x.double("buy_prob"), result.buyProb, 1e-6)
                assertClose("$what: propensities", top.map { it.double("propensity") }.toDoubleArray(), result.topProducts.map { it.propensity }.toFloatArray(), 1e-6)
                checked++
            }
        }
        assertEquals(examples.size * bundle.manifest.artifacts.size, checked)
    }

    /**
     * The schema the parser reads is preprocess.json's own: its stages, tags and products are the heads' labels,
     * and the tensor columns the spec implies are the ones `tensors` lists (FinliteKit asserts the same).
     */
    @Test
    fun schemaAgreesWithTheHeadsAndTheTensorDescription() {
        val spec = bundle.profileSpec!!
        val heads = bundle.manifest.postprocess.obj("heads")
        assertEquals(heads.obj("lifecycle").array("labels").strings(), spec.schema.stages)
        assertEquals(heads.obj("tags").array("labels").strings(), spec.schema.tags)
        assertEquals(heads.obj("products").array("labels").strings(), spec.schema.products)
        val inputs = bundle.preprocess.obj("tensors").array("inputs").objects()
        val sizes = inputs.map { it.array("columns").size }
        assertEquals(listOf(spec.catFeatures, spec.numFeatures, spec.staticFeatures), sizes)
        val cat = inputs[0].array("columns").objects()
        assertEquals(spec.schema.eventCategoricals.map { it.name } + "hour", cat.map { it.string("name") })
        assertEquals(spec.catVocabs, cat.map { it.int("vocab_size") })
    }

    @Test
    fun manifestDescribesTheTfliteInputsInOrder() {
        val spec = bundle.profileSpec!!
        assertEquals(listOf("cat", "num", "static"), bundle.manifest.inputNames)
        val tflite = bundle.manifest.artifact("tflite", "fp32")
        assertEquals(listOf("serving_default_cat", "serving_default_num", "serving_default_static"), tflite.inputs.map { it.name })
        assertEquals(listOf(1, spec.maxEvents, spec.catFeatures), tflite.inputs[0].shape)
        assertEquals(listOf(1, spec.maxEvents, spec.numFeatures), tflite.inputs[1].shape)
        assertEquals(listOf(1, spec.staticFeatures), tflite.inputs[2].shape)
    }
}

/** The synthetic bank's bundle (the built-in schema). */
class ProfileBundleGoldenTest : ProfileBundleGoldenCases("profile")

/**
 * Another bank's bundle: renamed values and columns, two extra event fields, 3 tags, 4 stages, 70 % non-buyers
 * (tests/mobile/make_bundles.py) — the same code reads everything from its preprocess.json.
 */
class OtherBankProfileGoldenTest : ProfileBundleGoldenCases("profile_other") {
    @Test
    fun theSchemaIsAnotherBanks() {
        val schema = FinliteBundle.load(DirectoryBundleSource(TestFiles.bundleDir("profile_other"))).profileSpec!!.schema
        assertEquals("customer_no", schema.eventUserId)
        assertEquals(listOf(3, 4), listOf(schema.tags.size, schema.stages.size))
        assertTrue(schema.eventFields.map { it.name }.containsAll(listOf("channel", "balance")))
    }
}
