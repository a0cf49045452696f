package com.finlite.jvm

import java.io.File

/** The native libraries of the tests, from the `finlite.native` folder (set by scripts/test_jvm.sh: tests/mobile/native_libs.py). */
object NativeRuntimes {
    val dir: File by lazy {
        val value = System.getProperty("finlite.native") ?: throw AssertionError("system property finlite.native is not set (run `make test-android`)")
        File(value)
    }
    val litert: LiteRtNative by lazy { LiteRtNative(File(dir, "libLiteRt.so")) }
    val ort: OrtNative by lazy { OrtNative(File(dir, "libonnxruntime.so")) }

    /** The factory of [format] (`tflite` or `onnx`). */
    fun factory(format: String) = if (format == "tflite") LiteRtCModelRunner.Factory(litert) else OrtModelRunner.Factory(ort)
}
