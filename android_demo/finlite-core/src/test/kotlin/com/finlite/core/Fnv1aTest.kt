package com.finlite.core

import com.finlite.core.text.Fnv1a
import org.junit.Assert.assertEquals
import org.junit.Test

/** The hash vectors of docs/preprocessing.md §3.5 (incl. the standard FNV-1a ones). */
class Fnv1aTest {
    private fun hash(s: String): Long = Fnv1a.hash32(s.toByteArray(Charsets.UTF_8)).toLong() and 0xFFFFFFFFL

    @Test
    fun hashVectors() {
        assertEquals(0x811C9DC5L, hash(""))
        assertEquals(0xE40C292CL, hash("a"))
        assertEquals(0xBF9CF968L, hash("foobar"))
        assertEquals(0xF46CE67AL, hash("w:card"))
        assertEquals(0xE7B1CF01L, hash("w:卡"))
        assertEquals(0x498430A9L, hash("w:😀"))
    }

    @Test
    fun featureIdsAreUnsignedModuloAndNeverZero() {
        assertEquals(4139, Fnv1a.featureId("", 10240))
        assertEquals(5330, Fnv1a.featureId("a", 10240))
        assertEquals(7130, Fnv1a.featureId("foobar", 10240))
        assertEquals(6900, Fnv1a.featureId("w:card", 10240))
        assertEquals(4607, Fnv1a.featureId("w:卡", 10240))
        assertEquals(10038, Fnv1a.featureId("w:😀", 10240)) // hash >= 2^31: a signed remainder would be wrong
        assertEquals(1, Fnv1a.featureId("anything", 2))
    }
}
