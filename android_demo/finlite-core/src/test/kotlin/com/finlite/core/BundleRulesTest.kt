package com.finlite.core

import com.finlite.core.bundle.BundleException
import com.finlite.core.bundle.BundleVerifier
import com.finlite.core.bundle.DirectoryBundleSource
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * tests/bundles/invalid/: every broken bundle is refused with the error code finlite's Python reader and FinliteKit
 * give (cases.json), in one line; tests/bundles/valid/ is accepted.
 */
class BundleRulesTest {
    private val root = File(TestFiles.golden("text_v1.json").parentFile.parentFile, "bundles")

    @Test
    fun validFixtureIsAccepted() {
        val manifest = BundleVerifier.verify(DirectoryBundleSource(File(root, "valid")))
        assertEquals(setOf("labels.txt", "preprocess.json", "golden.json", "model.onnx"), manifest.files.keys)
    }

    @Test
    fun everyBrokenBundleIsRefusedWithItsCode() {
        val cases = TestFiles.json(File(root, "invalid/cases.json")).array("cases").objects()
        assertTrue("at least 25 cases", cases.size >= 25)
        val wrong = ArrayList<String>()
        for (case in cases) {
            val name = case.string("name")
            try {
                BundleVerifier.verify(DirectoryBundleSource(File(root, "invalid/$name")))
                wrong.add("$name: accepted")
            } catch (e: BundleException) {
                assertFalse("$name: a one-line message", e.message!!.contains('\n'))
                if (e.code != case.string("code")) wrong.add("$name: ${e.code} instead of ${case.string("code")} (${e.message})")
            }
        }
        assertTrue(wrong.joinToString("\n"), wrong.isEmpty())
    }
}
