package com.finlite.core.pipeline

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import java.io.Closeable

/** One model input: its tensor name in the artifact (`Artifact.inputs`) and its data, row-major, without the batch axis. */
sealed class ModelInput(val tensorName: String) {
    class Ints(tensorName: String, val data: IntArray) : ModelInput(tensorName)
    class Floats(tensorName: String, val data: FloatArray) : ModelInput(tensorName)
}

/** Runs one model artifact with batch size 1 and returns its single float32 output row (the logits). */
interface ModelRunner : Closeable {
    fun run(inputs: List<ModelInput>): FloatArray
}

/**
 * Creates the runners of one runtime, so that the pipelines compile and test without it: LiteRT in the app
 * (LiteRtModelRunner.kt, the only file that touches the LiteRT API), a replay of golden.json in the tests.
 */
interface ModelRunnerFactory {
    /** The manifest artifact format this runtime runs (`tflite`); the pipelines select `(format, precision)`. */
    val format: String

    fun create(bundle: FinliteBundle, artifact: Artifact): ModelRunner
}
