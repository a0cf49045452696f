package com.finlite.core.pipeline

import java.util.Locale

/**
 * A pipeline's result with the time its two steps took on the device, in milliseconds: preprocessing (row
 * parsing and encoding) and inference (the runner). Post-processing (microseconds) is not timed.
 */
class Timed<T>(val result: T, val preprocessMs: Double, val inferenceMs: Double) {
    /** `preprocess 0.42 ms · inference 1.37 ms`, for a status line. */
    val summary: String
        get() = String.format(Locale.ROOT, "preprocess %.2f ms · inference %.2f ms", preprocessMs, inferenceMs)

    companion object {
        /** Times [preprocess] and [runner] on its inputs, then [decode]s the logits. */
        fun <T> measure(runner: ModelRunner, preprocess: () -> List<ModelInput>, decode: (FloatArray) -> T): Timed<T> {
            val t0 = System.nanoTime()
            val inputs = preprocess()
            val t1 = System.nanoTime()
            val logits = runner.run(inputs)
            val t2 = System.nanoTime()
            return Timed(decode(logits), (t1 - t0) / 1e6, (t2 - t1) / 1e6)
        }
    }
}
