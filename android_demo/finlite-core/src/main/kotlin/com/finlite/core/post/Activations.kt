package com.finlite.core.post

/** The activations of the post-processing, computed as the Python reference does (numpy float32 / float64). */
object Activations {
    /** Softmax in float32: `exp(x - max) / sum`, like finlite.bundle.postprocess.softmax on float32 logits. */
    fun softmax(logits: FloatArray, from: Int = 0, to: Int = logits.size): FloatArray {
        require(to > from) { "softmax of an empty slice" }
        var max = logits[from]
        for (i in from + 1 until to) if (logits[i] > max) max = logits[i]
        val out = FloatArray(to - from)
        var sum = 0f
        for (i in from until to) {
            out[i - from] = Math.exp((logits[i] - max).toDouble()).toFloat()
            sum += out[i - from]
        }
        for (i in out.indices) out[i] = out[i] / sum
        return out
    }

    /** Logistic sigmoid in float64, in the overflow-free form of finlite.bundle.postprocess.sigmoid. */
    fun sigmoid(x: Float): Double {
        val e = Math.exp(-Math.abs(x.toDouble()))
        return if (x >= 0) 1.0 / (1.0 + e) else e / (1.0 + e)
    }

    /** Indices of the [k] largest values, largest first; ties: lower index first (a stable sort). */
    fun topK(values: FloatArray, k: Int): IntArray {
        val order = values.indices.sortedWith(Comparator { a, b ->
            val byValue = values[b].compareTo(values[a])
            if (byValue != 0) byValue else a.compareTo(b)
        })
        return order.take(minOf(k, order.size)).toIntArray()
    }

    /** Index of the first largest value (numpy's argmax). */
    fun argmax(values: FloatArray): Int {
        var best = 0
        for (i in 1 until values.size) if (values[i] > values[best]) best = i
        return best
    }
}
