package com.finlite.demo

import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.post.ProfileResult

/** Raw event / attribute rows → parser → encoder → model → stage, tags, top products, with timings. */
class ProfileScorer(private val bundle: FinliteBundle, factory: ModelRunnerFactory, precision: String) : java.io.Closeable {
    private val parser = bundle.rowParser ?: throw IllegalArgumentException("${bundle.source.description} is not a profile bundle")
    private val encoder = bundle.profileEncoder!!
    private val post = bundle.profilePostprocess!!
    val artifact = bundle.manifest.artifact("tflite", precision)
    private val runner = factory.create(bundle.modelBytes(artifact), artifact)

    fun score(events: List<Map<String, String>>, attributes: Map<String, String>?, asOfMs: Long): Timed<ProfileResult> {
        val t0 = System.nanoTime()
        val rows = events.mapIndexed { i, row -> parser.event(row, "event ${i + 1}") }
        val attrs = attributes?.let { parser.attributes(it) }
        val inputs = encoder.encode(rows, attrs, asOfMs)
        val preprocessMs = millisSince(t0)
        // manifest.input_names order = artifact.inputs order: cat, num, static
        val names = artifact.inputs.map { it.name }
        val t1 = System.nanoTime()
        val logits = runner.run(listOf(
            ModelInput.Ints(names[0], inputs.cat), ModelInput.Floats(names[1], inputs.num), ModelInput.Floats(names[2], inputs.static)
        ))
        val inferenceMs = millisSince(t1)
        return Timed(post.decode(logits), preprocessMs, inferenceMs)
    }

    override fun close() = runner.close()
}
