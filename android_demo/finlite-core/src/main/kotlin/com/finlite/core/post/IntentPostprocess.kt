package com.finlite.core.post

import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/** A label with its probability and its column in the model output. */
class LabelScore(val label: String, val index: Int, val prob: Float) {
    override fun toString(): String = "$label($index)=$prob"
}

/**
 * The answer for one text (FinliteKit and the Python reference have the same type): the final label (maybe the
 * out-of-scope label), the top-k labels, the softmax probabilities of every label, and whether the best
 * probability was below the threshold. [text] is the input when the prediction came from a classifier.
 */
class IntentPrediction(
    val text: String?,
    val label: String,
    val topK: List<LabelScore>,
    val probs: FloatArray,
    val isOutOfScope: Boolean
)

/**
 * Intent post-processing (manifest `postprocess`): `probs = softmax(logits)`; the `top_k` labels by probability
 * (ties: lower index first); the answer is `oos_label` if `max(probs) < oos_threshold`, else the arg-max label.
 */
class IntentPostprocess(val labels: List<String>, val topK: Int, val oosThreshold: Double, val oosLabel: String) {

    /** The prediction for one logits row; [text] is only passed through. */
    fun decode(logits: FloatArray, text: String? = null): IntentPrediction {
        require(logits.size == labels.size) { "the model returned ${logits.size} logits for ${labels.size} labels" }
        val probs = Activations.softmax(logits)
        val top = Activations.topK(probs, topK).map { LabelScore(labels[it], it, probs[it]) }
        val best = Activations.argmax(probs)
        val outOfScope = probs[best].toDouble() < oosThreshold
        return IntentPrediction(text, if (outOfScope) oosLabel else labels[best], top, probs, outOfScope)
    }

    companion object {
        /** From the manifest's (or golden.json's) `postprocess` block and labels.txt. */
        fun fromJson(post: JsonObject, labels: List<String>): IntentPostprocess {
            if (post.string("activation") != "softmax") throw JsonException("${post.path}.activation: only softmax is implemented")
            return IntentPostprocess(labels, post.int("top_k"), post.double("oos_threshold"), post.string("oos_label"))
        }
    }
}
