package com.finlite.core

import com.finlite.core.bundle.BundleException
import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.SignatureVerifier
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * tests/bundles/signed/: bundles signed by `finlite sign` and by the model-signing package verify against the pinned
 * test key; another key, a missing or garbled signature and every tampered variant are refused with Python's code.
 */
class SignatureVerifierTest {
    private val root = File(TestFiles.golden("text_v1.json").parentFile.parentFile, "bundles/signed")

    private fun verifier(key: String) = SignatureVerifier(File(root, "keys/$key").readText())

    @Test
    fun signedAndTamperedBundles() {
        val cases = TestFiles.json(File(root, "cases.json")).array("cases").objects()
        val wrong = ArrayList<String>()
        for (case in cases) {
            val name = case.string("name")
            val code = try {
                verifier(case.string("key")).verify(DirectoryBundleSource(File(root, name)))
                "ok"
            } catch (e: BundleException) {
                e.code
            }
            if (code != case.string("code")) wrong.add("$name with ${case.string("key")}: $code instead of ${case.string("code")}")
        }
        assertTrue(wrong.joinToString("\n"), wrong.isEmpty())
        assertTrue(cases.size >= 9)
    }

    @Test
    fun aPrivateKeyOrGarbageIsNotAPinnableKey() {
        for (pem in listOf(File(root, "keys/test_private.pem").readText(), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")) {
            try {
                SignatureVerifier(pem)
                throw AssertionError("accepted $pem")
            } catch (e: BundleException) {
                assertEquals("signature_format", e.code)
            }
        }
    }

    @Test
    fun base64MatchesTheStandardAlphabet() {
        assertEquals("hello", String(SignatureVerifier.base64("aGVsbG8=", "t")))
        assertEquals("hi?>", String(SignatureVerifier.base64("aGk/Pg==", "t")))
    }
}
