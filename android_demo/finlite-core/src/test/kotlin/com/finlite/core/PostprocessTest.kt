package com.finlite.core

import com.finlite.core.post.Activations
import com.finlite.core.post.IntentPostprocess
import com.finlite.core.post.ProfilePostprocess
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/** Hand-made cases for the rules the golden files may not hit: ties, the threshold boundary, extreme logits. */
class PostprocessTest {
    @Test
    fun softmaxIsStableForLargeLogits() {
        val p = Activations.softmax(floatArrayOf(1000f, 1000f, -1000f))
        assertEquals(0.5f, p[0], 1e-7f)
        assertEquals(0.5f, p[1], 1e-7f)
        assertEquals(0f, p[2], 0f)
    }

    @Test
    fun topKBreaksTiesByLowerIndex() {
        assertArrayEquals(intArrayOf(1, 3, 0), Activations.topK(floatArrayOf(0.1f, 0.4f, 0.1f, 0.4f), 3))
        assertArrayEquals(intArrayOf(0, 1), Activations.topK(floatArrayOf(0.5f, 0.5f), 5))
    }

    @Test
    fun sigmoidHasNoOverflow() {
        assertEquals(0.5, Activations.sigmoid(0f), 0.0)
        assertEquals(1.0, Activations.sigmoid(1000f), 0.0)
        assertEquals(0.0, Activations.sigmoid(-1000f), 1e-300)
        assertEquals(1.0, Activations.sigmoid(3f) + Activations.sigmoid(-3f), 1e-15)
    }

    @Test
    fun outOfScopeOnlyBelowTheThreshold() {
        val labels = listOf("a", "b", "out_of_scope")
        val logits = floatArrayOf(2f, 1f, 0f)
        val max = Activations.softmax(logits)[0].toDouble()
        val atThreshold = IntentPostprocess(labels, 2, max, "out_of_scope").decode(logits)
        assertFalse(atThreshold.isOutOfScope) // max == threshold is not "< threshold"
        assertEquals("a", atThreshold.label)
        val above = IntentPostprocess(labels, 2, max + 1e-6, "out_of_scope").decode(logits)
        assertTrue(above.isOutOfScope)
        assertEquals("out_of_scope", above.label)
        assertEquals(listOf("a", "b"), above.topK.map { it.label }) // top-k is unchanged by the threshold
    }

    @Test
    fun profileHeadsAreSlicesOfOneRow() {
        val post = ProfilePostprocess(
            ProfilePostprocess.Head(0, 2, listOf("new", "active")),
            ProfilePostprocess.Head(2, 3, listOf("vip")),
            ProfilePostprocess.Head(3, 4, listOf("buy")),
            ProfilePostprocess.Head(4, 7, listOf("p0", "p1", "p2")), 2
        )
        val r = post.decode(floatArrayOf(0f, 1f, -2f, 0f, 5f, 5f, 9f))
        assertEquals("active", r.stage)
        assertEquals(1.0f, r.stageProbs.values.sum(), 1e-6f)
        assertEquals(1.0 / (1.0 + Math.exp(2.0)), r.tags.getValue("vip"), 1e-15)
        assertEquals(listOf("p2", "p0"), r.topProducts.map { it.product }) // p0/p1 tie: lower index first
        assertEquals(listOf(2, 0), r.topProducts.map { it.index })
        assertEquals(0.5, r.buyProb, 1e-12) // sigmoid(0)
        assertEquals(0.5f * r.topProducts[0].prob, r.topProducts[0].propensity, 1e-7f) // P(buy) × P(product | buy)
    }
}
