package com.finlite.core.bundle

import com.finlite.core.json.Json
import com.finlite.core.json.JsonObject
import com.finlite.core.post.IntentPostprocess
import com.finlite.core.post.ProfilePostprocess
import com.finlite.core.profile.ProfileEncoder
import com.finlite.core.profile.ProfileSpec
import com.finlite.core.profile.RawRowParser
import com.finlite.core.text.TextEncoder
import com.finlite.core.text.TextSpec

/**
 * A verified bundle with what its task needs: for intent the text encoder and the intent post-processing,
 * for profile the raw-row parser, the profile encoder and the profile post-processing. Model bytes are read
 * separately ([modelBytes]) by whichever runtime the app uses.
 */
class FinliteBundle private constructor(val source: BundleSource, val manifest: Manifest) {
    val labels: List<String> = readLabels(source.readText(manifest.labelsFile))
    /** preprocess.json, checked first: format [Formats.PREPROCESS] and the manifest's task. */
    val preprocess: JsonObject = readPreprocess()

    val textEncoder: TextEncoder? = if (manifest.task == "intent") TextEncoder(TextSpec.fromJson(preprocess.obj("text"))) else null
    val intentPostprocess: IntentPostprocess? =
        if (manifest.task == "intent") IntentPostprocess.fromJson(manifest.postprocess, labels) else null

    val profileSpec: ProfileSpec? = if (manifest.task == "profile") ProfileSpec.fromJson(preprocess.obj("profile")) else null
    val profileEncoder: ProfileEncoder? = profileSpec?.let { ProfileEncoder(it) }
    val rowParser: RawRowParser? = profileSpec?.let { RawRowParser(it.schema) }
    val profilePostprocess: ProfilePostprocess? =
        if (manifest.task == "profile") ProfilePostprocess.fromJson(manifest.postprocess) else null

    private fun readPreprocess(): JsonObject {
        val where = "${source.description}/${manifest.preprocessFile}"
        val o = Json.parseObject(source.readText(manifest.preprocessFile), where)
        Formats.mismatch(where, o.opt("format"), Formats.PREPROCESS)?.let { throw BundleException(it) }
        val task = o.opt("task")
        if (task != manifest.task) throw BundleException("$where: task \"$task\", the manifest says \"${manifest.task}\"")
        return o
    }

    /** The bytes of an artifact file, checked again against the manifest (the file may change after [load]). */
    fun modelBytes(artifact: Artifact): ByteArray {
        val bytes = source.readBytes(artifact.file)
        val entry = manifest.files[artifact.file] ?: throw BundleException("${artifact.file}: not listed in the manifest")
        if (Sha256.of(bytes) != entry.sha256) throw BundleException("${source.description}/${artifact.file}: sha256 does not match the manifest — refusing to load")
        return bytes
    }

    companion object {
        /** Verifies every file's sha256 ([BundleVerifier]) and reads labels, preprocess.json and post-processing. */
        fun load(source: BundleSource): FinliteBundle = FinliteBundle(source, BundleVerifier.verify(source))

        /** labels.txt: one label per line (`\n`), line i = output column i. */
        fun readLabels(text: String): List<String> {
            val lines = text.split("\n").map { it.removeSuffix("\r") }
            return if (lines.isNotEmpty() && lines[lines.size - 1] == "") lines.subList(0, lines.size - 1) else lines
        }
    }
}
