package com.finlite.core

import com.finlite.core.bundle.BundleException
import com.finlite.core.pipeline.IntentClassifier
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * IntentClassifier with a [GoldenReplay] runtime: it feeds the artifact exactly the golden `ids` under the
 * artifact's tensor name, and decodes the replayed logits into golden.json's label and top-k (FinliteKit's
 * IntentClassifierTests: the same cases).
 */
class IntentClassifierTest {
    private val bundle = TestFiles.bundle("intent")

    @Test
    fun classifiesEveryGoldenTextLikeTheGoldenFile() = GoldenReplay.forEachPrecision("intent") { precision, file, replay ->
        IntentClassifier(bundle, replay, precision).use { c ->
            assertEquals(file, c.artifact.file)
            for (e in replay.examples) {
                val text = e.string("text")
                val timed = c.classify(text)
                val want = GoldenReplay.expected(e, c.artifact)
                val what = "$file, \"${text.take(30)}\""
                assertEquals(what, text, timed.result.text)
                assertEquals(what, want.string("label"), timed.result.label)
                assertEquals(what, want.array("top_k").objects().map { it.string("label") }, timed.result.topK.map { it.label })
                assertTrue(what, timed.preprocessMs >= 0 && timed.inferenceMs >= 0)
            }
        }
    }

    @Test
    fun refusesAProfileBundle() = assertThrowsContaining<IllegalArgumentException>("task \"profile\", expected an intent bundle") {
        IntentClassifier(TestFiles.bundle("profile"), GoldenReplay("intent"), "fp32")
    }

    @Test
    fun anUnknownPrecisionNamesTheArtifacts() = assertThrowsContaining<BundleException>("no tflite/fp16 artifact (has: onnx/fp32, tflite/fp32") {
        IntentClassifier(bundle, GoldenReplay("intent"), "fp16")
    }
}
