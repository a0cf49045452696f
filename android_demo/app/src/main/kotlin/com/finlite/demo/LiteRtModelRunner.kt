package com.finlite.demo

import android.app.Application
import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.ModelInput
import com.finlite.core.pipeline.ModelRunner
import com.finlite.core.pipeline.ModelRunnerFactory
import org.tensorflow.lite.Interpreter
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * The only file that uses LiteRT (`com.google.ai.edge.litert:litert`, package org.tensorflow.lite). It is NOT
 * part of the API 23 compile check of `make test-android` (LiteRT is not in android.jar); see README.md.
 */
class LiteRtModelRunner(model: ByteArray, artifact: Artifact, threads: Int) : ModelRunner {
    private val interpreter: Interpreter
    private val output: ByteBuffer

    init {
        val buffer = ByteBuffer.allocateDirect(model.size).order(ByteOrder.nativeOrder())
        buffer.put(model)
        buffer.rewind()
        interpreter = Interpreter(buffer, Interpreter.Options().setNumThreads(threads))
        val shape = artifact.outputs[0].shape
        output = ByteBuffer.allocateDirect(4 * shape[shape.size - 1]).order(ByteOrder.nativeOrder())
    }

    override fun run(inputs: List<ModelInput>): FloatArray {
        val ordered = arrayOfNulls<Any>(interpreter.inputTensorCount)
        for (input in inputs) {
            val index = interpreter.getInputIndex(input.tensorName) // e.g. serving_default_ids
            ordered[index] = when (input) {
                is ModelInput.Ints -> direct(4 * input.data.size).also { it.asIntBuffer().put(input.data) }
                is ModelInput.Floats -> direct(4 * input.data.size).also { it.asFloatBuffer().put(input.data) }
            }
        }
        output.rewind()
        interpreter.runForMultipleInputsOutputs(ordered, mapOf<Int, Any>(0 to output))
        output.rewind()
        val logits = FloatArray(output.capacity() / 4)
        output.asFloatBuffer().get(logits)
        return logits
    }

    override fun close() = interpreter.close()

    private fun direct(bytes: Int): ByteBuffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder())

    /** LiteRT runners of a bundle's `tflite` artifacts, on [threads] CPU threads (FinliteKit has the same factory). */
    class Factory(private val threads: Int) : ModelRunnerFactory {
        override val format: String get() = "tflite"

        /** The model bytes are checked against the manifest's sha256 again ([FinliteBundle.modelBytes]). */
        override fun create(bundle: FinliteBundle, artifact: Artifact): ModelRunner =
            LiteRtModelRunner(bundle.modelBytes(artifact), artifact, threads)
    }
}

/** The Application: hands LiteRT runners to the activities, as their [ModelRunnerFactory]. */
class FinliteApplication : Application(), ModelRunnerFactory by LiteRtModelRunner.Factory(threads = 1)
