package com.finlite.core.text

/** 32-bit FNV-1a over UTF-8 bytes, and the hashed feature id of finlite.text/1 (§3.5). */
object Fnv1a {
    private const val OFFSET_BASIS = 0x811C9DC5.toInt()
    private const val PRIME = 0x01000193

    /** The hash as a signed Int holding the unsigned 32-bit value. */
    fun hash32(bytes: ByteArray): Int {
        var h = OFFSET_BASIS
        for (b in bytes) {
            h = h xor (b.toInt() and 0xFF) // bytes are signed on the JVM
            h *= PRIME // wraps mod 2^32
        }
        return h
    }

    /** `1 + (hash mod (buckets - 1))` with the hash read as unsigned: an id in 1 .. buckets-1 (0 = padding). */
    fun featureId(feature: String, buckets: Int): Int {
        val unsigned = hash32(feature.toByteArray(Charsets.UTF_8)).toLong() and 0xFFFFFFFFL
        return 1 + (unsigned % (buckets - 1).toLong()).toInt()
    }
}
