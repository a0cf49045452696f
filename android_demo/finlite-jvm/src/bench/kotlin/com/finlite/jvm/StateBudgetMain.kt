package com.finlite.jvm

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.ModelInput
import com.finlite.core.profile.EventRow
import com.finlite.core.profile.ProfileState
import java.io.File

/**
 * The streaming state's budgets on the JVM (benchmarks/state_budget.py runs it): `StateBudgetMain NATIVE_DIR
 * BUNDLE UPDATES RESCORES`. Prints one JSON line: ns per `update` of a full window (in order, and late by half a
 * window), the blob size, and a re-score split into encoding (`inputs`) and inference (ONNX Runtime fp32 through
 * the C API), medians over RESCORES calls.
 */
fun main(args: Array<String>) {
    val ort = OrtNative(File(args[0], "libonnxruntime.so"))
    val bundle = FinliteBundle.load(DirectoryBundleSource(File(args[1])))
    val updates = args[2].toInt()
    val rescores = args[3].toInt()
    val spec = bundle.profileSpec ?: throw IllegalArgumentException("${args[1]} is not a profile bundle")
    val sha = bundle.manifest.files.getValue(bundle.manifest.preprocessFile).sha256
    val schema = spec.schema
    val rng = java.util.Random(0)
    val pool = Array(4096) { i ->
        EventRow(0L, IntArray(schema.eventCategoricals.size) { c -> 2 + rng.nextInt(schema.eventCategoricals[c].values.size) },
            DoubleArray(schema.eventNumerics.size) { if (rng.nextInt(3) == 0) Double.NaN else rng.nextInt(5000).toFloat().toDouble() })
    }
    fun timed(late: Boolean): Double {
        val state = ProfileState(spec, sha)
        var ts = 1_700_000_000_000L
        repeat(spec.maxEvents) { state.update(EventRow(ts++ * 1, pool[it].cats, pool[it].nums)) }
        val start = System.nanoTime()
        for (i in 0 until updates) {
            ts += 1000
            val p = pool[i and 4095]
            state.update(EventRow(if (late) ts - 500L * spec.maxEvents else ts, p.cats, p.nums))
        }
        return (System.nanoTime() - start).toDouble() / updates
    }
    repeat(2) { timed(false); timed(true) } // warm-up (JIT)
    val inOrder = timed(false)
    val late = timed(true)
    val state = ProfileState(spec, sha)
    for (i in 0 until spec.maxEvents) state.update(EventRow(1_700_000_000_000L + i * 60_000L, pool[i].cats, pool[i].nums))
    val asOf = 1_700_000_000_000L + spec.maxEvents * 60_000L
    val artifact = bundle.manifest.artifacts.first { it.format == "onnx" && it.precision == "fp32" }
    OrtModelRunner.Factory(ort, 1).create(bundle, artifact).use { runner ->
        fun call(): Pair<Long, Long> {
            val t0 = System.nanoTime()
            val x = state.inputs(asOf)
            val t1 = System.nanoTime()
            runner.run(listOf(ModelInput.Ints("cat", x.cat), ModelInput.Floats("num", x.num), ModelInput.Floats("static", x.static)))
            return Pair(t1 - t0, System.nanoTime() - t1)
        }
        repeat(200) { call() }
        val times = List(rescores) { call() }
        val encode = times.map { it.first }.sorted()[rescores / 2] / 1000.0
        val infer = times.map { it.second }.sorted()[rescores / 2] / 1000.0
        println("{\"update_ns\": $inOrder, \"late_update_ns\": $late, \"state_bytes\": ${state.toBytes().size}, " +
            "\"encode_us\": $encode, \"inference_us\": $infer, \"max_events\": ${spec.maxEvents}}")
    }
}
