package com.finlite.demo

/** A result with the time its steps took on the device, in milliseconds. */
class Timed<T>(val value: T, val preprocessMs: Double, val inferenceMs: Double) {
    fun summary(): String = String.format(java.util.Locale.ROOT, "preprocess %.2f ms · inference %.2f ms", preprocessMs, inferenceMs)
}

internal fun millisSince(startNanos: Long): Double = (System.nanoTime() - startNanos) / 1e6
