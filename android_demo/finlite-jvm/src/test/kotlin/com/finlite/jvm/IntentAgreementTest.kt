package com.finlite.jvm

import com.finlite.core.TestFiles
import com.finlite.core.pipeline.IntentClassifier
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * End to end, raw text → label, on 1,000 texts (agreement_intent.json, written by tests/mobile/make_bundles.py with
 * Python's load_bundle + predict): Kotlin's IntentClassifier through the C APIs agrees with Python for every artifact;
 * reported as the agreement rate and the max |Δ| of the softmax probabilities.
 */
class IntentAgreementTest {
    @Test
    fun kotlinAgreesWithPythonOnAThousandTexts() {
        val file = File(TestFiles.bundleDir("intent").parentFile, "agreement_intent.json")
        if (!file.isFile) throw AssertionError("$file is missing (run `make test-bundles`)")
        val agreement = TestFiles.json(file)
        val texts = agreement.array("texts").strings()
        assertTrue("1,000 texts", texts.size == 1000)
        val python = agreement.obj("python")
        val bundle = TestFiles.bundle("intent")
        for (artifact in bundle.manifest.artifacts) {
            val want = python.obj(artifact.file)
            val labels = want.array("labels").strings()
            val probs = want.array("probs")
            var same = 0
            var maxDiff = 0.0
            IntentClassifier(bundle, NativeRuntimes.factory(artifact.format), artifact.precision).use { c ->
                for ((i, text) in texts.withIndex()) {
                    val got = c.classify(text).result
                    if (got.label == labels[i]) same++
                    val p = probs.array(i).doubles()
                    for (k in p.indices) maxDiff = Math.max(maxDiff, Math.abs(p[k] - got.probs[k]))
                }
            }
            val rate = same.toDouble() / texts.size
            println("IntentAgreementTest: ${artifact.file}: labels agree on $same/${texts.size} texts (${"%.4f".format(rate)}), max |Δ prob| $maxDiff")
            assertTrue("${artifact.file}: agreement $rate", same == texts.size)
            assertTrue("${artifact.file}: max |Δ prob| $maxDiff", maxDiff <= 1e-5)
        }
    }
}
