package com.finlite.core.bundle

import java.io.File
import java.io.FileInputStream
import java.io.InputStream

/** Where a bundle's files are read from: a folder on disk (tests, tools) or the app's assets. */
interface BundleSource {
    /** A short name for messages (a path, or `assets/intent`). */
    val description: String

    /** The file [name] of the bundle, or null when it does not exist. The caller closes the stream. */
    fun open(name: String): InputStream?

    /**
     * True when [name] exists but is not a regular file of the bundle: a folder, or reached through a symlink
     * (which could lead out of it). Sources without links (an app's assets) keep this default.
     */
    fun isIrregular(name: String): Boolean = false
}

/** A bundle folder on disk. */
class DirectoryBundleSource(private val dir: File) : BundleSource {
    override val description: String get() = dir.path

    override fun open(name: String): InputStream? {
        val file = File(dir, name)
        return if (file.isFile) FileInputStream(file) else null
    }

    // java.io only (java.nio.file needs API 26): a symlink anywhere below the folder changes the canonical path.
    override fun isIrregular(name: String): Boolean {
        val file = File(dir, name)
        if (!file.exists()) return false
        return !file.isFile || file.canonicalPath != File(dir.canonicalFile, name).path
    }
}

/** Reads all of [name] from [source] (BundleException when missing). */
fun BundleSource.readBytes(name: String): ByteArray {
    val stream = open(name) ?: throw BundleException("$description/$name: missing")
    stream.use { input ->
        val out = java.io.ByteArrayOutputStream()
        val buffer = ByteArray(64 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) break
            out.write(buffer, 0, n)
        }
        return out.toByteArray()
    }
}

/** Reads [name] as UTF-8 text. */
fun BundleSource.readText(name: String): String = String(readBytes(name), Charsets.UTF_8)
