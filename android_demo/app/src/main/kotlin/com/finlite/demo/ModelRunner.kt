package com.finlite.demo

import com.finlite.core.bundle.Artifact
import java.io.Closeable

/** One model input: its tensor name in the artifact and its data, row-major, without the batch dimension. */
sealed class ModelInput(val tensorName: String) {
    class Ints(tensorName: String, val data: IntArray) : ModelInput(tensorName)
    class Floats(tensorName: String, val data: FloatArray) : ModelInput(tensorName)
}

/** Runs a model with batch size 1 and returns its single float32 output row (the logits). */
interface ModelRunner : Closeable {
    fun run(inputs: List<ModelInput>): FloatArray
}

/**
 * Creates runners; implemented by the app's Application class in LiteRtModelRunner.kt, the only file that
 * touches the LiteRT API. Everything else compiles without LiteRT (the API 23 compile check of `make test-android`).
 */
interface ModelRunnerFactory {
    fun create(model: ByteArray, artifact: Artifact): ModelRunner
}
