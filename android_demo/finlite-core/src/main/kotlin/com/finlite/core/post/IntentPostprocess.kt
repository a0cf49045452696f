package com.finlite.core.post

import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/** A label with its probability and its column in the model output. */
class LabelScore(val label: String, val index: Int, val prob: Float) {
    override fun toString(): String = "$label($index)=$prob"
}

/** The answer for one text: softmax probabilities, the top-k labels, and the final label (maybe out-of-scope). */
class IntentResult(val probs: FloatArray, val topK: List<LabelScore>, val label: String, val isOutOfScope: Boolean)

/**
 * Intent post-processing (manifest `postprocess`): `probs = softmax(logits)`; the `top_k` labels by probability
 * (ties: lower index first); the answer is `oos_label` if `max(probs) < oos_threshold`, else the arg-max label.
 */
class IntentPostprocess(val labels: List<String>, val topK: Int, val oosThreshold: Double, val oosLabel: String) {

    fun decide(logits: FloatArray): IntentResult {
        require(logits.size == labels.size) { "the model returned ${logits.size} logits for ${labels.size} labels" }
        val probs = Activations.softmax(logits)
        val top = Activations.topK(probs, topK).map { LabelScore(labels[it], it, probs[it]) }
        val best = Activations.argmax(probs)
        val outOfScope = probs[best].toDouble() < oosThreshold
        return IntentResult(probs, top, if (outOfScope) oosLabel else labels[best], outOfScope)
    }

    companion object {
        /** From the manifest's (or golden.json's) `postprocess` block and labels.txt. */
        fun fromJson(post: JsonObject, labels: List<String>): IntentPostprocess {
            if (post.string("activation") != "softmax") throw JsonException("${post.path}.activation: only softmax is implemented")
            return IntentPostprocess(labels, post.int("top_k"), post.double("oos_threshold"), post.string("oos_label"))
        }
    }
}
