package com.finlite.core.bundle

import com.finlite.core.json.Json
import com.finlite.core.json.JsonException

/**
 * Loading rule 1-2 of docs/bundle.md: read manifest.json, refuse another format, and check the size and
 * sha256 of every listed file; any missing or modified file refuses the whole bundle, naming the file.
 */
object BundleVerifier {
    fun verify(source: BundleSource): Manifest {
        val text = try {
            source.readText(Manifest.FILE)
        } catch (e: BundleException) {
            throw BundleException("${source.description}: no ${Manifest.FILE} — not a finlite bundle")
        }
        val manifest = try {
            Manifest.fromJson(Json.parseObject(text, "${source.description}/${Manifest.FILE}"))
        } catch (e: JsonException) {
            throw BundleException("${source.description}/${Manifest.FILE}: ${e.message}")
        } catch (e: BundleException) {
            throw BundleException("${source.description}/${e.message}")
        }
        for ((name, entry) in manifest.files) {
            val stream = source.open(name)
                ?: throw BundleException("${source.description}/$name: listed in the manifest but missing")
            val (sha, size) = stream.use { Sha256.of(it) }
            if (size != entry.bytes) {
                throw BundleException("${source.description}/$name: $size bytes, the manifest says ${entry.bytes} — the file was modified; refusing to load")
            }
            if (sha != entry.sha256) {
                throw BundleException("${source.description}/$name: sha256 $sha does not match the manifest (${entry.sha256}) — the file was modified; refusing to load")
            }
        }
        for (required in listOf(manifest.labelsFile, manifest.preprocessFile)) {
            if (!manifest.files.containsKey(required)) throw BundleException("${source.description}/$required: not listed in the manifest's files")
        }
        return manifest
    }
}
