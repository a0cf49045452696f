package com.finlite.core

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.JsonObject
import com.finlite.core.pipeline.ModelInput
import com.finlite.core.pipeline.ModelRunner
import com.finlite.core.pipeline.ModelRunnerFactory
import org.junit.Assert.assertEquals
import java.io.File

/**
 * A fake runtime for the pipeline tests (FinliteKit's tests have the same one): its runners answer with the
 * expected logits, for their artifact, of the [task] bundle's golden.json example whose inputs they receive,
 * and fail on any other input. The inputs must carry the artifact's tensor names in order; int32 data must
 * equal the golden inputs, float32 data be within 1e-6.
 */
class GoldenReplay(task: String) : ModelRunnerFactory {
    val examples: List<JsonObject> = TestFiles.json(File(TestFiles.bundleDir(task), "golden.json")).array("examples").objects()
    private val pinned: List<List<DoubleArray>> = examples.map { goldenInputs(task, it) }

    /** How many times a runner ran. */
    var calls = 0
        private set

    override val format: String get() = "tflite"

    override fun create(bundle: FinliteBundle, artifact: Artifact): ModelRunner = object : ModelRunner {
        override fun run(inputs: List<ModelInput>): FloatArray {
            calls++
            assertEquals(artifact.inputs.map { it.name }, inputs.map { it.tensorName })
            val i = pinned.indexOfFirst { same(it, inputs) }
            if (i < 0) throw AssertionError("the runner received inputs that match no golden example")
            return expected(examples[i], artifact).array("logits").doubles().map { it.toFloat() }.toFloatArray()
        }

        override fun close() {}
    }

    companion object {
        /** Runs [check] with a new replay for the fp32 and the int8 `tflite` artifact; each golden example must run once. */
        fun forEachPrecision(task: String, check: (precision: String, file: String, replay: GoldenReplay) -> Unit) {
            for ((precision, file) in listOf("fp32" to "model.tflite", "int8" to "model.int8.tflite")) {
                val replay = GoldenReplay(task)
                check(precision, file, replay)
                assertEquals("$file: one run per golden example", replay.examples.size, replay.calls)
            }
        }

        /** golden.json's expected output of [artifact] for [example]. */
        fun expected(example: JsonObject, artifact: Artifact): JsonObject = example.obj("expected").obj(artifact.file)

        /** The example's model inputs, flattened row-major, in manifest.input_names order. */
        private fun goldenInputs(task: String, e: JsonObject): List<DoubleArray> {
            if (task == "intent") return listOf(flatDoubles(e.array("ids")))
            val x = e.obj("inputs")
            return listOf(flatDoubles(x.array("cat")), flatDoubles(x.array("num")), x.array("static").doubles())
        }

        private fun same(expected: List<DoubleArray>, actual: List<ModelInput>): Boolean =
            expected.size == actual.size && expected.indices.all { same(expected[it], actual[it]) }

        private fun same(expected: DoubleArray, actual: ModelInput): Boolean = when (actual) {
            is ModelInput.Ints -> expected.size == actual.data.size && expected.indices.all { expected[it] == actual.data[it].toDouble() }
            is ModelInput.Floats -> expected.size == actual.data.size && expected.indices.all { Math.abs(expected[it] - actual.data[it]) <= 1e-6 }
        }
    }
}
