package com.finlite.jvm

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.ModelInput
import java.io.File

/**
 * Per-inference latency of every artifact of the bundles through the C APIs from Kotlin (benchmarks/native_latency.py
 * runs it next to the Python bindings): `LatencyMain NATIVE_DIR RUNS BUNDLE...`, one JSON line per artifact with the
 * median and p90 in microseconds over RUNS calls after 200 warm-up calls, zero-filled inputs of the artifact's shape.
 */
fun main(args: Array<String>) {
    val litert = LiteRtNative(File(args[0], "libLiteRt.so"))
    val ort = OrtNative(File(args[0], "libonnxruntime.so"))
    val runs = args[1].toInt()
    for (dir in args.drop(2)) {
        val bundle = FinliteBundle.load(DirectoryBundleSource(File(dir)))
        for (artifact in bundle.manifest.artifacts) {
            val factory = if (artifact.format == "tflite") LiteRtCModelRunner.Factory(litert) else OrtModelRunner.Factory(ort, 1)
            val inputs = artifact.inputs.map { spec ->
                val n = spec.shape.drop(1).fold(1) { a, b -> a * b }
                if (spec.dtype == "int32") ModelInput.Ints(spec.name, IntArray(n)) else ModelInput.Floats(spec.name, FloatArray(n))
            }
            factory.create(bundle, artifact).use { runner ->
                repeat(200) { runner.run(inputs) }
                val times = LongArray(runs) { val t = System.nanoTime(); runner.run(inputs); System.nanoTime() - t }.sorted()
                println("{\"task\": \"${bundle.manifest.task}\", \"file\": \"${artifact.file}\", \"median_us\": ${times[runs / 2] / 1000.0}, \"p90_us\": ${times[runs * 9 / 10] / 1000.0}}")
            }
        }
    }
}
