package com.finlite.core.bundle

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject

/**
 * The bundle rule set of docs/bundle.md ("The rule set"), as finlite's Python `finlite/bundle/rules.py` applies it:
 * the same checks in the same order with the same error codes (tests/bundles/invalid/ pins them). This part needs
 * nothing but the parsed manifest; [BundleVerifier] reads it and checks the files.
 */
object BundleRules {
    val TASKS = listOf("intent", "profile")
    val FORMATS = listOf("tflite", "onnx", "executorch")
    val PRECISIONS = listOf("fp32", "int8")
    private val SHA256_HEX = Regex("[0-9a-f]{64}")
    private val SEGMENT = Regex("[A-Za-z0-9_][A-Za-z0-9._-]*")

    /** Required top-level fields and their JSON types, in the order they are checked. */
    val REQUIRED = listOf(
        "task" to "string", "labels_file" to "string", "preprocess_file" to "string", "golden_file" to "string",
        "input_names" to "array", "postprocess" to "object", "artifacts" to "array", "files" to "object"
    )
    private val ARTIFACT = listOf("file" to "string", "format" to "string", "precision" to "string", "inputs" to "array", "outputs" to "array")
    private val FILE_ENTRY = listOf("sha256" to "string", "bytes" to "integer")

    /** The JSON type name of a parsed value (`integer` for whole numbers). */
    fun jsonType(v: Any?): String = when (v) {
        null -> "null"
        is Boolean -> "boolean"
        is Long -> "integer"
        is Double -> "number"
        is String -> "string"
        is JsonArray -> "array"
        is JsonObject -> "object"
        else -> v.javaClass.simpleName
    }

    /** A relative, normalised path inside the bundle ('/'-separated plain segments), never the manifest itself. */
    fun isBundlePath(name: String): Boolean = name != Manifest.FILE && name.split("/").all { SEGMENT.matches(it) }

    private fun need(o: JsonObject, fields: List<Pair<String, String>>, where: String, prefix: String = "") {
        for ((name, kind) in fields) {
            if (!o.has(name)) throw BundleException("$where, field '$prefix$name': missing", "field_missing")
            val found = jsonType(o.opt(name))
            if (found != kind) throw BundleException("$where, field '$prefix$name': expected a JSON $kind, found $found", "field_type")
        }
    }

    /** `(field, path)` of every file the manifest refers to: each top-level `*_file` field, then each artifact's `file`. */
    fun referencedFiles(o: JsonObject): List<Pair<String, String>> {
        val refs = o.keys.filter { it.endsWith("_file") }.map { it to (o.opt(it) as String) }.toMutableList()
        val artifacts = o.array("artifacts")
        for (i in 0 until artifacts.size) refs.add("artifacts[$i].file" to artifacts.obj(i).string("file"))
        return refs
    }

    /** Throws the [BundleException] of the first rule [value] breaks; [where] names the manifest in messages. */
    fun check(value: Any?, where: String) {
        if (value !is JsonObject) throw BundleException("$where: expected a JSON object, found ${jsonType(value)}", "manifest_type")
        val o: JsonObject = value
        if (o.opt("format") != Formats.BUNDLE) {
            throw BundleException("$where, field 'format': ${describe(o.opt("format"))}, this library reads ${Formats.BUNDLE}", "format_unsupported")
        }
        need(o, REQUIRED, where)
        for (key in o.keys) {
            if (key.endsWith("_file") && o.opt(key) !is String) {
                throw BundleException("$where, field '$key': expected a JSON string, found ${jsonType(o.opt(key))}", "field_type")
            }
        }
        val task = o.string("task")
        if (task !in TASKS) throw BundleException("$where, field 'task': unknown task \"$task\" (known: ${TASKS.joinToString()})", "field_value")
        val names = o.array("input_names")
        for (i in 0 until names.size) {
            if (names[i] !is String) throw BundleException("$where, field 'input_names[$i]': expected a JSON string, found ${jsonType(names[i])}", "field_type")
        }
        val artifacts = o.array("artifacts")
        for (i in 0 until artifacts.size) {
            val a = artifacts[i] as? JsonObject
                ?: throw BundleException("$where, field 'artifacts[$i]': expected a JSON object, found ${jsonType(artifacts[i])}", "field_type")
            need(a, ARTIFACT, where, "artifacts[$i].")
            for ((key, known) in listOf("format" to FORMATS, "precision" to PRECISIONS)) {
                if (a.string(key) !in known) {
                    throw BundleException("$where, field 'artifacts[$i].$key': unknown $key \"${a.string(key)}\" (known: ${known.joinToString()})", "field_value")
                }
            }
        }
        val files = o.obj("files")
        for (name in files.keys) {
            val field = "files['$name']"
            val e = files.opt(name) as? JsonObject
                ?: throw BundleException("$where, field $field: expected a JSON object, found ${jsonType(files.opt(name))}", "field_type")
            need(e, FILE_ENTRY, where, "$field.")
            if (!SHA256_HEX.matches(e.string("sha256"))) throw BundleException("$where, field $field.sha256: not 64 lower-case hex digits", "field_value")
            if (e.long("bytes") < 0) throw BundleException("$where, field $field.bytes: negative", "field_value")
        }
        for (name in files.keys) {
            if (!isBundlePath(name)) throw BundleException("$where, field 'files': \"$name\" is not a plain relative path inside the bundle", "path_invalid")
        }
        val refs = referencedFiles(o)
        for ((field, path) in refs) {
            if (!isBundlePath(path)) throw BundleException("$where, field '$field': \"$path\" is not a plain relative path inside the bundle", "path_invalid")
        }
        for ((field, path) in refs) {
            if (!files.has(path)) {
                throw BundleException("$where, field '$field': \"$path\" is not listed in the manifest's files (no hash to check it against)", "file_unlisted")
            }
        }
    }

    private fun describe(v: Any?): String = if (v is String) "\"$v\"" else v.toString()
}
