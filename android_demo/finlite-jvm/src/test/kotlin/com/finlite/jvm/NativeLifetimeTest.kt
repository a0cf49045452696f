package com.finlite.jvm

import com.finlite.core.TestFiles
import com.finlite.core.pipeline.ModelInput
import com.sun.jna.NativeLibrary
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Test
import java.io.File
import java.lang.ref.WeakReference

/**
 * The runtimes keep their libraries loaded through garbage collections. JNA caches a NativeLibrary only weakly and
 * dlcloses it once it is collected; OrtNative used to keep nothing but raw OrtApi pointers into the library, so a GC
 * (and JNA's cleaner) between loading and CreateEnv unmapped it and the next table read crashed the JVM in
 * `Native._getPointer` (the CI crash; reproduced by forcing a GC there, docs/native_runners.md).
 */
class NativeLifetimeTest {
    @Test
    fun theOnnxRuntimeLibraryIsNotUnloadedWhileItsRuntimeLives() {
        val ort = NativeRuntimes.ort
        // the instance JNA's cache hands out is the one OrtNative holds; unheld, a full GC collects it (measured)
        val cached = WeakReference(NativeLibrary.getInstance(File(NativeRuntimes.dir, "libonnxruntime.so").absolutePath))
        repeat(3) { System.gc(); Thread.sleep(50) }
        assertNotNull("libonnxruntime.so's NativeLibrary was collected (and dlclosed) while OrtNative lives", cached.get())
        val bundle = TestFiles.bundle("intent")
        val artifact = bundle.manifest.artifact("onnx", "int8")
        OrtModelRunner.Factory(ort).create(bundle, artifact).use { runner ->
            assertEquals(28, runner.run(listOf(ModelInput.Ints(artifact.inputs[0].name, IntArray(2048)))).size)
        }
    }
}
