package com.finlite.jvm

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.ModelInput
import com.finlite.core.pipeline.ModelRunner
import com.finlite.core.pipeline.ModelRunnerFactory
import com.sun.jna.Library
import com.sun.jna.Memory
import com.sun.jna.Native
import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import java.io.File
import java.lang.ref.Reference

/**
 * LiteRT's flat C API (libLiteRt.so of the ai-edge-litert wheel; checked with 2.3.0), the few functions the runner
 * needs, declared from the public headers litert/c/litert_{environment,model,options,compiled_model,tensor_buffer}.h.
 * Handles are opaque pointers; `size_t` is a Long (LP64 Linux); LiteRtStatus is an int, 0 = ok.
 */
@Suppress("FunctionName")
internal interface LiteRtC : Library {
    fun LiteRtCreateEnvironment(numOptions: Int, options: Pointer?, environment: PointerByReference): Int
    fun LiteRtDestroyEnvironment(environment: Pointer)
    fun LiteRtCreateModelFromBuffer(environment: Pointer, buffer: Pointer, size: Long, model: PointerByReference): Int
    fun LiteRtDestroyModel(model: Pointer)
    fun LiteRtGetModelSignature(model: Pointer, signatureIndex: Long, signature: PointerByReference): Int
    fun LiteRtGetNumSignatureInputs(signature: Pointer, count: LongArray): Int
    fun LiteRtGetSignatureInputName(signature: Pointer, index: Long, name: PointerByReference): Int
    fun LiteRtGetSignatureInputTensorByIndex(signature: Pointer, index: Long, tensor: PointerByReference): Int
    fun LiteRtGetSignatureOutputTensorByIndex(signature: Pointer, index: Long, tensor: PointerByReference): Int
    fun LiteRtGetRankedTensorType(tensor: Pointer, type: Pointer): Int
    fun LiteRtCreateOptions(options: PointerByReference): Int
    fun LiteRtDestroyOptions(options: Pointer)
    fun LiteRtSetOptionsHardwareAccelerators(options: Pointer, accelerators: Int): Int
    fun LiteRtCreateCompiledModel(environment: Pointer, model: Pointer, options: Pointer, compiled: PointerByReference): Int
    fun LiteRtDestroyCompiledModel(compiled: Pointer)
    fun LiteRtGetCompiledModelInputBufferRequirements(compiled: Pointer, signature: Long, index: Long, requirements: PointerByReference): Int
    fun LiteRtGetCompiledModelOutputBufferRequirements(compiled: Pointer, signature: Long, index: Long, requirements: PointerByReference): Int
    fun LiteRtGetTensorBufferRequirementsBufferSize(requirements: Pointer, size: LongArray): Int
    fun LiteRtCreateManagedTensorBufferFromRequirements(environment: Pointer, type: Pointer, requirements: Pointer, buffer: PointerByReference): Int
    fun LiteRtLockTensorBuffer(buffer: Pointer, address: PointerByReference, mode: Int): Int
    fun LiteRtUnlockTensorBuffer(buffer: Pointer): Int
    fun LiteRtDestroyTensorBuffer(buffer: Pointer)
    fun LiteRtRunCompiledModel(compiled: Pointer, signature: Long, numInputs: Long, inputs: Array<Pointer>, numOutputs: Long, outputs: Array<Pointer>): Int

    companion object {
        const val HW_ACCELERATOR_CPU = 1
        const val LOCK_READ = 0
        const val LOCK_WRITE = 1
        /** Bytes reserved for a LiteRtRankedTensorType, filled by LiteRT and only passed back (the struct is ~100 bytes). */
        const val RANKED_TYPE_BYTES = 1024L
    }
}

/**
 * A `.tflite` artifact run through LiteRT's C API (CompiledModel, CPU/XNNPACK), batch 1, from the JVM. The model
 * bytes must be verified first (the [Factory] reads them with [FinliteBundle.modelBytes]): LiteRT 2.3 does not verify
 * the flatbuffer, and a truncated or bit-flipped file crashes the process (measured), so corruption is caught by the
 * bundle's sha256 and by the file-identifier check here, with a one-line error.
 */
class LiteRtCModelRunner(private val lib: LiteRtNative, model: ByteArray, private val artifact: Artifact) : ModelRunner {
    private val c = lib.c
    private val modelMemory = Memory(model.size.toLong()).also { it.write(0, model, 0, model.size) }
    private val handles = ArrayList<() -> Unit>()
    private val compiled: Pointer
    private val inputBuffers: Array<Pointer>
    private val inputBytes: LongArray
    private val outputBuffer: Pointer
    private val outputCount: Int
    /** Model input index of each artifact input. */
    private val artifactToModel: IntArray

    init {
        if (model.size < 8 || String(model, 4, 4, Charsets.US_ASCII) != "TFL3") {
            throw NativeRuntimeException("${artifact.file}: not a TFLite flatbuffer (no TFL3 file identifier)")
        }
        try {
            val m = out { lib.check(c.LiteRtCreateModelFromBuffer(lib.env, modelMemory, model.size.toLong(), it), artifact.file, "cannot load the model") }
            handles.add { c.LiteRtDestroyModel(m) }
            val options = out { lib.check(c.LiteRtCreateOptions(it), artifact.file, "LiteRtCreateOptions") }
            lib.check(c.LiteRtSetOptionsHardwareAccelerators(options, LiteRtC.HW_ACCELERATOR_CPU), artifact.file, "CPU accelerator")
            compiled = try {
                out { lib.check(c.LiteRtCreateCompiledModel(lib.env, m, options, it), artifact.file, "cannot compile the model") }
            } finally {
                c.LiteRtDestroyOptions(options)
            }
            handles.add { c.LiteRtDestroyCompiledModel(compiled) }
            val signature = out { lib.check(c.LiteRtGetModelSignature(m, 0, it), artifact.file, "no signature") }
            val n = LongArray(1).also { lib.check(c.LiteRtGetNumSignatureInputs(signature, it), artifact.file, "signature inputs") }[0].toInt()
            val names = (0 until n).map { i -> out { lib.check(c.LiteRtGetSignatureInputName(signature, i.toLong(), it), artifact.file, "input name") }.getString(0) }
            // the manifest names `serving_default_<name>`, the signature `<name>`; the manifest's order is the runner's order
            val order = artifact.inputs.map { spec ->
                names.indexOfFirst { spec.name == it || spec.name == "serving_default_$it" }.also {
                    if (it < 0) throw NativeRuntimeException("${artifact.file}: the model has no input ${spec.name} (it has $names)")
                }
            }
            inputBytes = LongArray(n)
            val byModel = Array(n) { i -> buffer(signature, i, input = true).also { (_, bytes) -> inputBytes[i] = bytes }.first }
            inputBuffers = Array(n) { byModel[it] }
            artifactToModel = order.toIntArray()
            val (output, outBytes) = buffer(signature, 0, input = false)
            outputBuffer = output
            outputCount = (outBytes / 4).toInt()
        } catch (e: Throwable) {
            close()
            throw e
        }
    }

    /** A managed host buffer for input or output [index] of the signature, and its size in bytes. */
    private fun buffer(signature: Pointer, index: Int, input: Boolean): Pair<Pointer, Long> {
        val what = if (input) "input $index" else "output $index"
        val tensor = out {
            lib.check(if (input) c.LiteRtGetSignatureInputTensorByIndex(signature, index.toLong(), it) else c.LiteRtGetSignatureOutputTensorByIndex(signature, index.toLong(), it), artifact.file, what)
        }
        val type = Memory(LiteRtC.RANKED_TYPE_BYTES).also { it.clear() }
        lib.check(c.LiteRtGetRankedTensorType(tensor, type), artifact.file, "$what type")
        val requirements = out {
            lib.check(if (input) c.LiteRtGetCompiledModelInputBufferRequirements(compiled, 0, index.toLong(), it) else c.LiteRtGetCompiledModelOutputBufferRequirements(compiled, 0, index.toLong(), it), artifact.file, "$what buffer requirements")
        }
        val size = LongArray(1).also { lib.check(c.LiteRtGetTensorBufferRequirementsBufferSize(requirements, it), artifact.file, "$what buffer size") }[0]
        val buffer = out { lib.check(c.LiteRtCreateManagedTensorBufferFromRequirements(lib.env, type, requirements, it), artifact.file, "$what buffer") }
        handles.add { c.LiteRtDestroyTensorBuffer(buffer) }
        return buffer to size
    }

    override fun run(inputs: List<ModelInput>): FloatArray {
        val data = nativeInputs(artifact, inputs)
        for ((i, memory) in data.withIndex()) {
            val m = artifactToModel[i]
            if (memory.size() != inputBytes[m]) {
                throw NativeRuntimeException("${artifact.file}: input ${inputs[i].tensorName} has ${memory.size()} bytes, LiteRT expects ${inputBytes[m]}")
            }
            val address = out { lib.check(c.LiteRtLockTensorBuffer(inputBuffers[m], it, LiteRtC.LOCK_WRITE), artifact.file, "lock input") }
            address.write(0, memory.getByteArray(0, memory.size().toInt()), 0, memory.size().toInt())
            lib.check(c.LiteRtUnlockTensorBuffer(inputBuffers[m]), artifact.file, "unlock input")
        }
        lib.check(c.LiteRtRunCompiledModel(compiled, 0, inputBuffers.size.toLong(), inputBuffers, 1, arrayOf(outputBuffer)), artifact.file, "run failed")
        val address = out { lib.check(c.LiteRtLockTensorBuffer(outputBuffer, it, LiteRtC.LOCK_READ), artifact.file, "lock output") }
        val logits = address.getFloatArray(0, outputCount)
        lib.check(c.LiteRtUnlockTensorBuffer(outputBuffer), artifact.file, "unlock output")
        // the model bytes must stay valid for the model's lifetime (litert_model.h): keep the runner, which owns
        // them, reachable until the native run is over
        Reference.reachabilityFence(this)
        return logits
    }

    /** Destroys the buffers, compiled model and model (in that order), then frees the model bytes; idempotent. */
    override fun close() {
        for (release in handles.asReversed()) release()
        handles.clear()
        modelMemory.close()
    }

    /** LiteRT runners of a bundle's `tflite` artifacts, from the verified model bytes. */
    class Factory(private val lib: LiteRtNative) : ModelRunnerFactory {
        override val format: String get() = "tflite"

        override fun create(bundle: FinliteBundle, artifact: Artifact): ModelRunner = LiteRtCModelRunner(lib, bundle.modelBytes(artifact), artifact)
    }
}

/** libLiteRt.so loaded from [path] with one LiteRT environment (XNNPACK CPU accelerator) shared by its runners. */
class LiteRtNative(path: File) {
    internal val c: LiteRtC
    internal val env: Pointer

    init {
        if (!path.isFile) throw NativeRuntimeException("$path: no LiteRT library (run `make test-android`, which caches it from the ai-edge-litert wheel)")
        c = Native.load(path.absolutePath, LiteRtC::class.java)
        env = out { check(c.LiteRtCreateEnvironment(0, null, it), path.name, "cannot create the LiteRT environment") }
    }

    internal fun check(status: Int, file: String, what: String) {
        if (status != 0) throw NativeRuntimeException("$file: LiteRT: $what (${STATUS[status] ?: "status $status"})")
    }

    companion object {
        /** LiteRtStatus names from litert_common.h. */
        private val STATUS = mapOf(1 to "invalid argument", 2 to "memory allocation failure", 3 to "runtime failure",
            4 to "missing input tensor", 5 to "unsupported", 6 to "not found", 7 to "timeout", 8 to "wrong version", 9 to "unknown error")
    }
}

/** Calls [call] with a fresh out-parameter and returns the pointer it wrote. */
internal inline fun out(call: (PointerByReference) -> Unit): Pointer {
    val ref = PointerByReference()
    call(ref)
    return ref.value ?: throw NativeRuntimeException("the native runtime returned a null handle")
}
