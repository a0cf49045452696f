package com.finlite.core.pipeline

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.post.ProfilePrediction
import com.finlite.core.profile.ProfileInputs
import com.finlite.core.profile.ProfileState
import java.io.Closeable

/** A profile bundle's pipeline: raw event / attribute rows → parser → encoder → model → stage, tags, top products, timed. */
class ProfileScorer(bundle: FinliteBundle, factory: ModelRunnerFactory, precision: String) : Closeable {
    private val parser = bundle.rowParser
        ?: throw IllegalArgumentException("${bundle.source.description}: task \"${bundle.manifest.task}\", expected a profile bundle")
    private val encoder = bundle.profileEncoder!!
    private val spec = bundle.profileSpec!!
    private val preprocessSha256 = bundle.manifest.files.getValue(bundle.manifest.preprocessFile).sha256
    private val postprocess = bundle.profilePostprocess!!

    /** The model file it runs: the factory's format at [precision]. */
    val artifact: Artifact = bundle.manifest.artifact(factory.format, precision)
    private val runner = factory.create(bundle, artifact)
    /** Tensor names of cat, num, static: an artifact lists its inputs in manifest.input_names order. */
    private val names = artifact.inputs.map { it.name }

    /** The prediction for one user's raw rows (cells as strings, as in the events / users files) at [asOfMs]. */
    fun score(events: List<Map<String, String>>, attributes: Map<String, String>?, asOfMs: Long): Timed<ProfilePrediction> =
        Timed.measure(runner, { inputs(events, attributes, asOfMs) }, postprocess::decode)

    /** A new streaming state for this bundle (docs/state.md): feed it every event, score it with [score]. */
    fun newState(): ProfileState = ProfileState(spec, preprocessSha256)

    /** A streaming state saved by [ProfileState.toBytes] for this bundle (a state of another bundle is refused). */
    fun restoreState(blob: ByteArray): ProfileState = ProfileState.fromBytes(spec, preprocessSha256, blob)

    /** The prediction from a user's streaming [state] at [asOfMs] (not before its newest event). */
    fun score(state: ProfileState, asOfMs: Long): Timed<ProfilePrediction> =
        Timed.measure(runner, { modelInputs(state.inputs(asOfMs)) }, postprocess::decode)

    private fun inputs(events: List<Map<String, String>>, attributes: Map<String, String>?, asOfMs: Long): List<ModelInput> {
        val rows = events.mapIndexed { i, row -> parser.event(row, "event ${i + 1}") }
        return modelInputs(encoder.encode(rows, attributes?.let { parser.attributes(it) }, asOfMs))
    }

    private fun modelInputs(x: ProfileInputs): List<ModelInput> =
        listOf(ModelInput.Ints(names[0], x.cat), ModelInput.Floats(names[1], x.num), ModelInput.Floats(names[2], x.static))

    override fun close() = runner.close()
}
