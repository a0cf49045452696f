package com.finlite.core

import com.finlite.core.bundle.BundleException
import com.finlite.core.bundle.BundleVerifier
import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.bundle.Formats
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File
import java.io.RandomAccessFile

/** sha256 / size / format checks on a copy of the intent bundle: a tampered or missing file refuses the bundle. */
class BundleVerifierTest {
    private val copy: File = TestFiles.copyOfBundle("intent")

    @After
    fun removeCopy() {
        copy.deleteRecursively()
    }

    private fun expectRefused(part: String) {
        try {
            BundleVerifier.verify(DirectoryBundleSource(copy))
            fail("bundle accepted, expected: $part")
        } catch (e: BundleException) {
            assertTrue("'${e.message}' does not contain '$part'", e.message!!.contains(part))
        }
    }

    @Test
    fun intactBundleLoads() {
        val bundle = FinliteBundle.load(DirectoryBundleSource(copy))
        assertEquals("intent", bundle.manifest.task)
        assertEquals(bundle.labels.size, bundle.manifest.artifact("tflite", "fp32").outputs[0].shape[1])
        assertTrue(bundle.labels.contains(bundle.intentPostprocess!!.oosLabel))
        assertEquals(File(copy, "model.tflite").length().toInt(), bundle.modelBytes(bundle.manifest.artifact("tflite", "fp32")).size)
    }

    @Test
    fun flippedByteIsRefusedNamingTheFile() {
        RandomAccessFile(File(copy, "model.tflite"), "rw").use { f ->
            f.seek(1000)
            val b = f.read()
            f.seek(1000)
            f.write(b xor 0x01)
        }
        expectRefused("model.tflite: sha256 ")
    }

    @Test
    fun changedLabelsAreRefused() {
        val labels = File(copy, "labels.txt")
        labels.writeText(labels.readText().replace("card_lost", "card_lozt"))
        expectRefused("labels.txt: sha256 ")
    }

    @Test
    fun truncatedFileIsRefusedBySize() {
        val f = File(copy, "preprocess.json")
        f.writeText(f.readText().dropLast(1))
        expectRefused("preprocess.json: ")
        expectRefused("the manifest says")
    }

    @Test
    fun missingFileIsRefused() {
        assertTrue(File(copy, "model.int8.tflite").delete())
        expectRefused("model.int8.tflite: listed in the manifest but missing")
    }

    @Test
    fun otherBundleFormatIsRefused() {
        val m = File(copy, "manifest.json")
        m.writeText(m.readText().replace(Formats.BUNDLE, "finlite.bundle/2"))
        expectRefused("manifest.json, field 'format': \"finlite.bundle/2\", this library reads ${Formats.BUNDLE}")
    }

    @Test
    fun folderWithoutManifestIsRefused() {
        assertTrue(File(copy, "manifest.json").delete())
        expectRefused("no manifest.json")
    }
}
