package com.finlite.core.post

import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/**
 * A product recommendation: its name, its column within the products head, P(product | buys) and its
 * propensity P(buys) × P(product | buys).
 */
class ProductScore(val product: String, val index: Int, val prob: Float, val propensity: Float) {
    override fun toString(): String = "$product($index)=$prob"
}

/** The decoded profile output of one user (FinliteKit and the Python reference have the same type). */
class ProfilePrediction(
    val stage: String,
    val stageProbs: Map<String, Float>,
    /** Independent sigmoid scores in [0, 1] per tag (not a distribution). */
    val tags: Map<String, Double>,
    /** P(buys anything within the horizon). */
    val buyProb: Double,
    val topProducts: List<ProductScore>
)

/**
 * Profile post-processing (manifest `postprocess.heads`, docs/schema.md §4): one logits row
 * `[lifecycle | tags | buy | products]`; lifecycle → softmax → stage = arg-max; tags → sigmoid each; buy →
 * sigmoid = P(buys); products → softmax = P(product | buys) → top_k (ties: lower index); propensity = P(buys) × prob.
 */
class ProfilePostprocess(
    private val lifecycle: Head,
    private val tags: Head,
    private val buy: Head,
    private val products: Head,
    private val topK: Int
) {
    /** Columns `[start, end)` of one head and the label of each column. */
    class Head(val start: Int, val end: Int, val labels: List<String>) {
        init {
            require(end - start == labels.size && start >= 0) { "head columns [$start, $end) do not match ${labels.size} labels" }
        }
    }

    val outputs: Int get() = maxOf(maxOf(lifecycle.end, tags.end), maxOf(buy.end, products.end))

    fun decode(logits: FloatArray): ProfilePrediction {
        require(logits.size >= outputs) { "the model returned ${logits.size} logits, the layout needs $outputs" }
        val stageProbs = Activations.softmax(logits, lifecycle.start, lifecycle.end)
        val stage = lifecycle.labels[Activations.argmax(stageProbs)]
        val tagScores = LinkedHashMap<String, Double>()
        for ((i, label) in tags.labels.withIndex()) tagScores[label] = Activations.sigmoid(logits[tags.start + i])
        val buyProb = Activations.sigmoid(logits[buy.start])
        val productProbs = Activations.softmax(logits, products.start, products.end)
        val top = Activations.topK(productProbs, topK).map {
            ProductScore(products.labels[it], it, productProbs[it], (buyProb.toFloat() * productProbs[it]))
        }
        val probsByStage = LinkedHashMap<String, Float>()
        for ((i, label) in lifecycle.labels.withIndex()) probsByStage[label] = stageProbs[i]
        return ProfilePrediction(stage, probsByStage, tagScores, buyProb, top)
    }

    companion object {
        /** From the manifest's (or golden.json's) `postprocess` block. */
        fun fromJson(post: JsonObject): ProfilePostprocess {
            val heads = post.obj("heads")
            fun head(name: String, activation: String): Head {
                val h = heads.obj(name)
                if (h.string("activation") != activation) throw JsonException("${h.path}.activation: expected $activation")
                val cols = h.array("columns")
                return Head(cols.int(0), cols.int(1), h.array("labels").strings())
            }
            return ProfilePostprocess(
                head("lifecycle", "softmax"), head("tags", "sigmoid"), head("buy", "sigmoid"), head("products", "softmax"),
                heads.obj("products").int("top_k")
            )
        }
    }
}
