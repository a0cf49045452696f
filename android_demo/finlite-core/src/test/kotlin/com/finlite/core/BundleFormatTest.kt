package com.finlite.core

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.bundle.Formats
import com.finlite.core.bundle.Sha256
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * A correctly signed bundle whose preprocess.json, text spec or profile spec has another `finlite.*` format
 * is refused, naming what it found and what this library reads (FinliteKit's BundleFormatTests: same cases,
 * same wording).
 */
class BundleFormatTest {
    private val copies = ArrayList<File>()

    @After
    fun removeCopies() {
        copies.forEach { it.deleteRecursively() }
    }

    /** A copy of the [task] bundle with [from] → [to] in preprocess.json and the manifest's sha256 updated. */
    private fun edited(task: String, from: String, to: String): File {
        assertEquals("same length, so that the size in the manifest still holds", from.length, to.length)
        val copy = TestFiles.copyOfBundle(task)
        copies.add(copy)
        val preprocess = File(copy, "preprocess.json")
        val before = Sha256.of(preprocess.readBytes())
        val text = preprocess.readText()
        assertTrue("$from is not in preprocess.json", text.contains(from))
        preprocess.writeText(text.replace(from, to))
        val manifest = File(copy, "manifest.json")
        manifest.writeText(manifest.readText().replace(before, Sha256.of(preprocess.readBytes())))
        return copy
    }

    /** An edit of preprocess.json in the [task] bundle and (part of) the refusal it must cause. */
    private class Edit(val task: String, val from: String, val to: String, val refusal: String)

    @Test
    fun anotherFormatIsRefusedNamingIt() {
        val edits = listOf(
            Edit("intent", Formats.PREPROCESS, "finlite.preprocess/2", "preprocess.json: format \"finlite.preprocess/2\", this library reads ${Formats.PREPROCESS}"),
            Edit("intent", Formats.TEXT, "finlite.text/2", "format \"finlite.text/2\", this library reads ${Formats.TEXT}"),
            Edit("profile", Formats.PROFILE, "finlite.profile/9", "format \"finlite.profile/9\", this library reads ${Formats.PROFILE}"),
            Edit("profile", Formats.SCHEMA, "finlite.schema/9", "format \"finlite.schema/9\", this library reads ${Formats.SCHEMA}")
        )
        for (e in edits) {
            assertThrowsContaining<RuntimeException>(e.refusal) { FinliteBundle.load(DirectoryBundleSource(edited(e.task, e.from, e.to))) }
        }
    }
}
