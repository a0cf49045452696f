package com.finlite.core.pipeline

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.post.IntentPrediction
import java.io.Closeable

/** An intent bundle's pipeline: text → encoder → model → softmax / top-k / out-of-scope threshold, timed. */
class IntentClassifier(bundle: FinliteBundle, factory: ModelRunnerFactory, precision: String) : Closeable {
    private val encoder = bundle.textEncoder
        ?: throw IllegalArgumentException("${bundle.source.description}: task \"${bundle.manifest.task}\", expected an intent bundle")
    private val postprocess = bundle.intentPostprocess!!

    /** The model file it runs: the factory's format at [precision]. */
    val artifact: Artifact = bundle.manifest.artifact(factory.format, precision)
    private val runner = factory.create(bundle, artifact)
    private val inputName = artifact.inputs[0].name

    fun classify(text: String): Timed<IntentPrediction> =
        Timed.measure(runner, { listOf<ModelInput>(ModelInput.Ints(inputName, encoder.encode(text))) }) { postprocess.decode(it, text) }

    override fun close() = runner.close()
}
