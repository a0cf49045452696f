package com.finlite.core.bundle

import com.finlite.core.json.Json
import com.finlite.core.json.JsonException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction

/**
 * Loading rules 1-2 of docs/bundle.md: read manifest.json (strict UTF-8 JSON, no repeated keys), check it against
 * the rule set ([BundleRules]), then every listed file in name order: present, a regular file (no symlink),
 * the listed size and sha256. Any violation refuses the whole bundle with one line naming the file and the field,
 * and the rule's code ([BundleException.code]), as finlite's Python reader and FinliteKit do.
 */
object BundleVerifier {
    fun verify(source: BundleSource): Manifest {
        val where = "${source.description}/${Manifest.FILE}"
        val bytes = try {
            source.readBytes(Manifest.FILE)
        } catch (e: BundleException) {
            throw BundleException("${source.description}: no ${Manifest.FILE} — not a finlite bundle", "manifest_missing")
        }
        val parsed = try {
            Json.parse(strictUtf8(bytes, where), where)
        } catch (e: JsonException) {
            throw BundleException("$where: not valid UTF-8 JSON (${e.message})", "manifest_json")
        }
        BundleRules.check(parsed, where)
        val manifest = try {
            Manifest.fromJson(parsed as com.finlite.core.json.JsonObject)
        } catch (e: JsonException) {
            throw BundleException("$where: ${e.message}", "field_type")
        }
        for (name in manifest.files.keys.sorted()) {
            val entry = manifest.files.getValue(name)
            if (source.isIrregular(name)) {
                throw BundleException("${source.description}/$name: not a regular file (a symlink or a folder); refusing to load", "file_not_regular")
            }
            val stream = source.open(name)
                ?: throw BundleException("${source.description}/$name: listed in the manifest but missing", "file_missing")
            val (sha, size) = stream.use { Sha256.of(it) }
            if (size != entry.bytes) {
                throw BundleException("${source.description}/$name: $size bytes, the manifest says ${entry.bytes} — the file was modified; refusing to load", "file_size")
            }
            if (sha != entry.sha256) {
                throw BundleException("${source.description}/$name: sha256 $sha does not match the manifest (${entry.sha256}) — the file was modified; refusing to load", "file_sha256")
            }
        }
        return manifest
    }

    /** [bytes] as UTF-8, refusing malformed input instead of replacing it (as Python's strict decoder does). */
    fun strictUtf8(bytes: ByteArray, where: String): String = try {
        Charsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString()
    } catch (e: CharacterCodingException) {
        throw JsonException("$where: not UTF-8 (${e.javaClass.simpleName})")
    }
}
