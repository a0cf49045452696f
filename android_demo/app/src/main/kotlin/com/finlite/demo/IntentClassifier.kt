package com.finlite.demo

import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.post.IntentResult

/** Text → encoder → model → softmax / top-k / out-of-scope threshold, with the time of each step. */
class IntentClassifier(private val bundle: FinliteBundle, factory: ModelRunnerFactory, precision: String) : java.io.Closeable {
    private val encoder = bundle.textEncoder ?: throw IllegalArgumentException("${bundle.source.description} is not an intent bundle")
    private val post = bundle.intentPostprocess!!
    val artifact = bundle.manifest.artifact("tflite", precision)
    private val runner = factory.create(bundle.modelBytes(artifact), artifact)
    private val inputName = artifact.inputs[0].name

    fun classify(text: String): Timed<IntentResult> {
        val t0 = System.nanoTime()
        val ids = encoder.encode(text)
        val preprocessMs = millisSince(t0)
        val t1 = System.nanoTime()
        val logits = runner.run(listOf(ModelInput.Ints(inputName, ids)))
        val inferenceMs = millisSince(t1)
        return Timed(post.decide(logits), preprocessMs, inferenceMs)
    }

    override fun close() = runner.close()
}
