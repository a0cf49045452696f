package com.finlite.jvm

import com.finlite.core.TestFiles
import com.finlite.core.flatDoubles
import com.finlite.core.json.JsonObject
import com.finlite.core.pipeline.IntentClassifier
import com.finlite.core.pipeline.ModelInput
import com.finlite.core.pipeline.ProfileScorer
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * Every artifact (fp32 + int8, TFLite through LiteRT's C API, ONNX through ONNX Runtime's C API) of both test bundles
 * on every golden example: the logits are within golden.json's tolerance of the expected ones and the top-1 (intent:
 * all columns; profile: the lifecycle columns) is the expected one; the pipelines give golden.json's labels / stages.
 */
class NativeGoldenTest {
    private fun goldenInputs(task: String, names: List<String>, e: JsonObject): List<ModelInput> {
        if (task == "intent") return listOf(ModelInput.Ints(names[0], flatDoubles(e.array("ids")).map { it.toInt() }.toIntArray()))
        val x = e.obj("inputs")
        return listOf(
            ModelInput.Ints(names[0], flatDoubles(x.array("cat")).map { it.toInt() }.toIntArray()),
            ModelInput.Floats(names[1], flatDoubles(x.array("num")).map { it.toFloat() }.toFloatArray()),
            ModelInput.Floats(names[2], x.array("static").doubles().map { it.toFloat() }.toFloatArray()))
    }

    private fun argmax(v: DoubleArray, from: Int, to: Int): Int = (from until to).maxBy { v[it] }!!

    @Test
    fun everyArtifactMatchesEveryGolden() {
        for (task in listOf("intent", "profile")) {
            val bundle = TestFiles.bundle(task)
            val golden = TestFiles.json(java.io.File(TestFiles.bundleDir(task), "golden.json"))
            val columns = golden.obj("top1").opt("columns")?.let { golden.obj("top1").array("columns").ints() }
            val examples = golden.array("examples").objects()
            assertEquals("$task: 4 artifacts", 4, bundle.manifest.artifacts.size)
            for (artifact in bundle.manifest.artifacts) {
                val atol = golden.obj("tolerances").obj(artifact.file).double("logits_atol")
                var maxDiff = 0.0
                NativeRuntimes.factory(artifact.format).create(bundle, artifact).use { runner ->
                    for ((n, e) in examples.withIndex()) {
                        val got = runner.run(goldenInputs(task, artifact.inputs.map { it.name }, e)).map { it.toDouble() }.toDoubleArray()
                        val want = e.obj("expected").obj(artifact.file).array("logits").doubles()
                        assertEquals("$task ${artifact.file} example $n: logits", want.size, got.size)
                        for (i in want.indices) maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]))
                        val (from, to) = if (columns != null) columns[0] to columns[1] else 0 to want.size
                        assertEquals("$task ${artifact.file} example $n: top-1", argmax(want, from, to), argmax(got, from, to))
                    }
                }
                if (!(maxDiff <= atol)) fail("$task ${artifact.file}: max |Δ logits| $maxDiff > $atol")
                println("NativeGoldenTest: $task ${artifact.file} (${artifact.format}/${artifact.precision}): ${examples.size} goldens, max |Δ logits| $maxDiff (tolerance $atol)")
            }
        }
    }

    @Test
    fun intentPipelineGivesTheGoldenLabels() {
        val bundle = TestFiles.bundle("intent")
        val examples = TestFiles.json(java.io.File(TestFiles.bundleDir("intent"), "golden.json")).array("examples").objects()
        for (format in listOf("tflite", "onnx")) for (precision in listOf("fp32", "int8")) {
            IntentClassifier(bundle, NativeRuntimes.factory(format), precision).use { c ->
                for (e in examples) {
                    val got = c.classify(e.string("text")).result
                    assertEquals("${c.artifact.file}: ${e.string("text").take(30)}", e.obj("expected").obj(c.artifact.file).string("label"), got.label)
                }
            }
        }
    }

    @Test
    fun profilePipelineGivesTheGoldenStages() {
        val bundle = TestFiles.bundle("profile")
        val examples = TestFiles.json(java.io.File(TestFiles.bundleDir("profile"), "golden.json")).array("examples").objects()
        fun cells(o: JsonObject): Map<String, String> = o.keys.associate { it to o.string(it) }
        for (format in listOf("tflite", "onnx")) for (precision in listOf("fp32", "int8")) {
            ProfileScorer(bundle, NativeRuntimes.factory(format), precision).use { s ->
                for (e in examples) {
                    val got = s.score(e.array("events").objects().map { cells(it) }, e.objOrNull("attributes")?.let { cells(it) }, e.long("as_of_ms")).result
                    val want = e.obj("expected").obj(s.artifact.file)
                    assertEquals("${s.artifact.file}: ${e.string("name")}", want.string("stage"), got.stage)
                    assertTrue(got.tags.keys.toList() == want.obj("tags").keys.toList())
                }
            }
        }
    }
}
