package com.finlite.core.bundle

import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/**
 * A bundle that is missing, incomplete, of another format, or tampered with. [code] names the rule that failed
 * (docs/bundle.md, "The rule set": `manifest_missing`, `field_type`, `file_sha256`, `signature_mismatch`, ...),
 * the same code Python and FinliteKit give for the same bundle.
 */
class BundleException(message: String, val code: String = "invalid") : RuntimeException(message)

/** Name, dtype and shape of one model input or output (`-1` = dynamic batch). */
class TensorInfo(val name: String, val dtype: String, val shape: List<Int>)

/** One model file of the bundle (`tflite` / `onnx`, `fp32` / `int8`). */
class Artifact(val file: String, val format: String, val precision: String, val inputs: List<TensorInfo>, val outputs: List<TensorInfo>)

/** The sha256 and size manifest.json lists for a file. */
class FileEntry(val sha256: String, val bytes: Long)

/** manifest.json of a [Formats.BUNDLE] bundle (the fields an app needs). */
class Manifest(
    val task: String,
    val labelsFile: String,
    val preprocessFile: String,
    val goldenFile: String?,
    val inputNames: List<String>,
    val files: Map<String, FileEntry>,
    val artifacts: List<Artifact>,
    val postprocess: JsonObject,
    val finliteVersion: String?
) {
    /**
     * The artifact of [format] (the artifact's `format`: `tflite`, `onnx`, …) and [precision] (`fp32` / `int8`), the
     * one selection key of every platform (FinliteKit: `FinliteBundle.artifact(format:precision:)`); a
     * BundleException listing what the bundle has otherwise.
     */
    fun artifact(format: String, precision: String): Artifact =
        artifacts.firstOrNull { it.format == format && it.precision == precision }
            ?: throw BundleException("no $format/$precision artifact (has: ${artifacts.joinToString { "${it.format}/${it.precision}" }})")

    companion object {
        const val FILE = "manifest.json"

        fun fromJson(o: JsonObject): Manifest {
            Formats.mismatch(FILE, o.opt("format"), Formats.BUNDLE)?.let { throw BundleException(it) }
            val files = LinkedHashMap<String, FileEntry>()
            val listed = o.obj("files")
            for (name in listed.keys) {
                val e = listed.obj(name)
                files[name] = FileEntry(e.string("sha256"), e.long("bytes"))
            }
            fun tensors(list: com.finlite.core.json.JsonArray): List<TensorInfo> = list.objects().map {
                TensorInfo(it.string("name"), it.string("dtype"), it.array("shape").ints().toList())
            }
            val artifacts = o.array("artifacts").objects().map {
                Artifact(it.string("file"), it.string("format"), it.string("precision"), tensors(it.array("inputs")), tensors(it.array("outputs")))
            }
            val task = if (o.has("task")) o.string("task") else "intent"
            if (task != "intent" && task != "profile") throw JsonException("manifest.json: unknown task \"$task\" (this library knows intent and profile)")
            return Manifest(
                task = task,
                labelsFile = o.string("labels_file"),
                preprocessFile = o.string("preprocess_file"),
                goldenFile = if (o.has("golden_file")) o.string("golden_file") else null,
                inputNames = o.array("input_names").strings(),
                files = files,
                artifacts = artifacts,
                postprocess = o.obj("postprocess"),
                finliteVersion = o.opt("finlite_version") as? String
            )
        }
    }
}
