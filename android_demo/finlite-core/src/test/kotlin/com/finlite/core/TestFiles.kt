package com.finlite.core

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.Json
import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import java.io.File

/**
 * The files the tests read, named by system properties (set by scripts/test_jvm.sh and by Gradle):
 * `finlite.bundles` (a folder with `intent/` and `profile/`, from `make test-bundles`) and `finlite.golden`
 * (the Python project's tests/golden). A missing file fails the test: nothing is skipped silently.
 */
object TestFiles {
    private fun dirProperty(name: String): File {
        val value = System.getProperty(name)
            ?: throw AssertionError("system property $name is not set (run the tests through `make test-android` or Gradle)")
        val dir = File(value)
        if (!dir.isDirectory) throw AssertionError("$name=$value is not a folder (run `make test-bundles` first)")
        return dir
    }

    /** The loaded (verified) [task] test bundle. */
    fun bundle(task: String): FinliteBundle = FinliteBundle.load(DirectoryBundleSource(bundleDir(task)))

    fun bundleDir(task: String): File {
        val dir = File(dirProperty("finlite.bundles"), task)
        if (!File(dir, "manifest.json").isFile) throw AssertionError("$dir has no manifest.json (run `make test-bundles`)")
        return dir
    }

    fun golden(name: String): File = File(dirProperty("finlite.golden"), name)

    /** A copy of the [task] test bundle in a new temporary folder; the caller deletes it. */
    fun copyOfBundle(task: String): File {
        val copy = java.nio.file.Files.createTempDirectory("finlite-$task-").toFile()
        bundleDir(task).listFiles()!!.forEach { it.copyTo(File(copy, it.name)) }
        return copy
    }

    fun json(file: File): JsonObject = Json.parseObject(file.readText(Charsets.UTF_8), file.path)
}

/** Runs [block], which must throw an [E] whose message contains [part]. */
inline fun <reified E : Throwable> assertThrowsContaining(part: String, block: () -> Unit) {
    try {
        block()
    } catch (e: Throwable) {
        if (e !is E) throw e
        assertTrue("'${e.message}' does not contain '$part'", e.message.orEmpty().contains(part))
        return
    }
    fail("nothing thrown, expected an error containing '$part'")
}

/** Floats within [atol] of the expected values (the golden files' float tolerances). */
fun assertClose(what: String, expected: DoubleArray, actual: FloatArray, atol: Double) {
    assertEquals("$what: length", expected.size, actual.size)
    for (i in expected.indices) {
        val diff = Math.abs(expected[i] - actual[i].toDouble())
        if (!(diff <= atol)) fail("$what[$i]: expected ${expected[i]}, got ${actual[i]} (|diff| $diff > $atol)")
    }
}

/** A JSON array of arrays of numbers, flattened row-major. */
fun flatDoubles(rows: JsonArray): DoubleArray {
    val out = ArrayList<Double>()
    for (r in 0 until rows.size) {
        val row = rows.array(r)
        for (c in 0 until row.size) out.add(row.double(c))
    }
    return out.toDoubleArray()
}

/** A JSON array of arrays of integers, flattened row-major. */
fun flatInts(rows: JsonArray): IntArray {
    val out = ArrayList<Int>()
    for (r in 0 until rows.size) {
        val row = rows.array(r)
        for (c in 0 until row.size) out.add(row.int(c))
    }
    return out.toIntArray()
}

/** The first row and column where two row-major int matrices differ, for readable failures. */
fun firstDifference(expected: IntArray, actual: IntArray, columns: Int): String? {
    if (expected.size != actual.size) return "sizes ${expected.size} vs ${actual.size}"
    for (i in expected.indices) {
        if (expected[i] != actual[i]) return "row ${i / columns}, column ${i % columns}: expected ${expected[i]}, got ${actual[i]}"
    }
    return null
}
