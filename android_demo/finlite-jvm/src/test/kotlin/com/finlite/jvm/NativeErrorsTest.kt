package com.finlite.jvm

import com.finlite.core.TestFiles
import com.finlite.core.assertThrowsContaining
import com.finlite.core.bundle.BundleException
import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.IntentClassifier
import com.finlite.core.pipeline.ModelInput
import org.junit.Assert.assertFalse
import org.junit.Test
import java.io.File

/** A corrupted model file and a wrong input shape are one-line errors naming the file, and the test process lives on. */
class NativeErrorsTest {
    private val bundle = TestFiles.bundle("intent")

    private fun oneLine(e: Throwable) = assertFalse("one line: ${e.message}", e.message.orEmpty().contains('\n'))

    @Test
    fun aCorruptedModelFileInABundleIsRefusedBeforeTheRuntimeSeesIt() {
        val copy = TestFiles.copyOfBundle("intent")
        try {
            val loaded = FinliteBundle.load(DirectoryBundleSource(copy))
            for ((format, file) in listOf("tflite" to "model.tflite", "onnx" to "model.onnx")) {
                val f = File(copy, file)
                val bytes = f.readBytes()
                bytes[bytes.size / 2] = (bytes[bytes.size / 2].toInt() xor 0x5A).toByte()
                f.writeBytes(bytes)
                assertThrowsContaining<BundleException>("$file: sha256 does not match the manifest") { IntentClassifier(loaded, NativeRuntimes.factory(format), "fp32") }
            }
        } finally {
            copy.deleteRecursively()
        }
    }

    @Test
    fun bytesThatAreNoModelAreOneLineErrorsOfEachRuntime() {
        val garbage = "not a model at all".repeat(10).toByteArray()
        val tflite = bundle.manifest.artifact("tflite", "fp32")
        val onnx = bundle.manifest.artifact("onnx", "fp32")
        try { LiteRtCModelRunner(NativeRuntimes.litert, garbage, tflite); throw AssertionError("LiteRT accepted garbage") } catch (e: NativeRuntimeException) {
            oneLine(e); assert(e.message!!.startsWith("model.tflite: not a TFLite flatbuffer"))
        }
        assertThrowsContaining<NativeRuntimeException>("model.onnx: ONNX Runtime: cannot load the model") { OrtModelRunner(NativeRuntimes.ort, garbage, onnx, 1) }
        val flipped = bundle.modelBytes(onnx).copyOf().also { b -> for (i in 0 until b.size step 97) b[i] = (b[i].toInt() xor 0x5A).toByte() }
        try { OrtModelRunner(NativeRuntimes.ort, flipped, onnx, 1).close(); throw AssertionError("ONNX Runtime accepted a corrupted model") } catch (e: NativeRuntimeException) {
            oneLine(e); println("NativeErrorsTest: corrupted ONNX file -> ${e.message}")
        }
    }

    @Test
    fun aWrongInputShapeIsAOneLineError() {
        for (format in listOf("tflite", "onnx")) {
            val artifact = bundle.manifest.artifact(format, "fp32")
            NativeRuntimes.factory(format).create(bundle, artifact).use { runner ->
                val name = artifact.inputs[0].name
                try { runner.run(listOf(ModelInput.Ints(name, IntArray(100)))); throw AssertionError("ran with 100 values") } catch (e: NativeRuntimeException) {
                    oneLine(e); assert(e.message!!.contains("${artifact.file}: input $name has 100 values, the model expects 2048"))
                    println("NativeErrorsTest: wrong shape -> ${e.message}")
                }
                assertThrowsContaining<NativeRuntimeException>("the model takes") { runner.run(listOf(ModelInput.Floats("nope", FloatArray(2048)))) }
            }
        }
    }
}
