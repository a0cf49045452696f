package com.finlite.jvm

import com.finlite.core.bundle.Artifact
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.ModelInput
import com.finlite.core.pipeline.ModelRunner
import com.finlite.core.pipeline.ModelRunnerFactory
import com.sun.jna.Function
import com.sun.jna.Memory
import com.sun.jna.NativeLibrary
import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import java.io.File
import java.lang.ref.Reference

/**
 * ONNX Runtime's C API (libonnxruntime.so of the onnxruntime wheel; checked with 1.32.0): `OrtGetApiBase()` gives
 * `{GetApi, GetVersionString}`; `GetApi(ORT_API_VERSION)` the `OrtApi` table of function pointers. The slots used here
 * are fixed since API version 1 (the table only grows), counted from the public header onnxruntime_c_api.h.
 */
class OrtNative(path: File) {
    /**
     * The library itself, held for the runtime's lifetime: JNA caches a NativeLibrary only weakly and its cleaner
     * dlcloses it once unreachable, after which every OrtApi pointer (table, functions) points into unmapped memory
     * (a GC between loading and CreateEnv crashed the JVM in `Native._getPointer`; see docs/native_runners.md).
     */
    internal val library: NativeLibrary
    private val functions: Map<Int, Function>
    /** The runtime's version string, e.g. `1.32.0`. */
    val version: String
    internal val env: Pointer
    internal val cpuMemory: Pointer

    init {
        if (!path.isFile) throw NativeRuntimeException("$path: no ONNX Runtime library (run `make test-android`, which caches it from the onnxruntime wheel)")
        library = NativeLibrary.getInstance(path.absolutePath)
        val base = library.getFunction("OrtGetApiBase").invokePointer(arrayOf())
        version = Function.getFunction(base.getPointer(8)).invokePointer(arrayOf()).getString(0)
        val table = Function.getFunction(base.getPointer(0)).invokePointer(arrayOf(API_VERSION))
            ?: throw NativeRuntimeException("${path.name}: ONNX Runtime $version does not offer C API version $API_VERSION")
        functions = SLOTS.associateWith { Function.getFunction(table.getPointer(8L * it)) }
        env = out { check(call(CREATE_ENV, LOG_ERROR, "finlite", it), path.name, "cannot create the environment") }
        cpuMemory = out { check(call(CREATE_CPU_MEMORY_INFO, ARENA_ALLOCATOR, MEM_TYPE_DEFAULT, it), path.name, "CPU memory info") }
    }

    /** Calls OrtApi slot [slot]; returns its OrtStatus* (null = ok). */
    internal fun call(slot: Int, vararg args: Any?): Pointer? = functions.getValue(slot).invokePointer(args)

    internal fun release(slot: Int, handle: Pointer) = functions.getValue(slot).invokeVoid(arrayOf(handle))

    /** Throws the status's message as one line (and releases it) when [status] is not null. */
    internal fun check(status: Pointer?, file: String, what: String) {
        if (status == null) return
        val message = functions.getValue(GET_ERROR_MESSAGE).invokePointer(arrayOf(status)).getString(0)
        release(RELEASE_STATUS, status)
        throw NativeRuntimeException("$file: ONNX Runtime: $what (${message.lines().joinToString(" ").trim()})")
    }

    internal companion object {
        const val API_VERSION = 22 // ORT 1.22+; the slots below exist since version 1
        const val GET_ERROR_MESSAGE = 2
        const val CREATE_ENV = 3
        const val CREATE_SESSION_FROM_ARRAY = 8
        const val RUN = 9
        const val CREATE_SESSION_OPTIONS = 10
        const val SET_INTRA_OP_NUM_THREADS = 24
        const val SESSION_GET_INPUT_COUNT = 30
        const val CREATE_TENSOR_WITH_DATA = 49
        const val GET_TENSOR_MUTABLE_DATA = 51
        const val CREATE_CPU_MEMORY_INFO = 69
        const val RELEASE_STATUS = 93
        const val RELEASE_SESSION = 95
        const val RELEASE_VALUE = 96
        const val RELEASE_SESSION_OPTIONS = 100
        const val LOG_ERROR = 3
        const val ARENA_ALLOCATOR = 1
        const val MEM_TYPE_DEFAULT = 0
        const val FLOAT = 1
        const val INT32 = 6
        private val SLOTS = listOf(GET_ERROR_MESSAGE, CREATE_ENV, CREATE_SESSION_FROM_ARRAY, RUN, CREATE_SESSION_OPTIONS, SET_INTRA_OP_NUM_THREADS,
            SESSION_GET_INPUT_COUNT, CREATE_TENSOR_WITH_DATA, GET_TENSOR_MUTABLE_DATA, CREATE_CPU_MEMORY_INFO, RELEASE_STATUS, RELEASE_SESSION,
            RELEASE_VALUE, RELEASE_SESSION_OPTIONS)
    }
}

/** An `.onnx` artifact run through ONNX Runtime's C API with batch 1 on [threads] intra-op threads, from the JVM. */
class OrtModelRunner(private val ort: OrtNative, model: ByteArray, private val artifact: Artifact, threads: Int) : ModelRunner {
    private val session: Pointer
    private val inputNames = artifact.inputs.map { it.name }.toTypedArray()
    private val outputNames = arrayOf(artifact.outputs[0].name)
    private val outputCount = artifact.outputs[0].shape.last()

    init {
        val options = out { ort.check(ort.call(OrtNative.CREATE_SESSION_OPTIONS, it), artifact.file, "session options") }
        try {
            ort.check(ort.call(OrtNative.SET_INTRA_OP_NUM_THREADS, options, threads), artifact.file, "threads")
            val bytes = Memory(model.size.toLong()).also { it.write(0, model, 0, model.size) }
            session = out { ort.check(ort.call(OrtNative.CREATE_SESSION_FROM_ARRAY, ort.env, bytes, model.size.toLong(), options, it), artifact.file, "cannot load the model") }
        } finally {
            ort.release(OrtNative.RELEASE_SESSION_OPTIONS, options)
        }
        val count = LongArray(1)
        ort.check(ort.call(OrtNative.SESSION_GET_INPUT_COUNT, session, count), artifact.file, "input count")
        if (count[0] != inputNames.size.toLong()) {
            close()
            throw NativeRuntimeException("${artifact.file}: the model has ${count[0]} inputs, the manifest lists ${inputNames.size}")
        }
    }

    override fun run(inputs: List<ModelInput>): FloatArray {
        val data = nativeInputs(artifact, inputs)
        val values = ArrayList<Pointer>()
        try {
            for ((i, memory) in data.withIndex()) {
                val shape = longArrayOf(1L) + artifact.inputs[i].shape.drop(1).map { it.toLong() }
                val type = if (inputs[i] is ModelInput.Ints) OrtNative.INT32 else OrtNative.FLOAT
                values.add(out { ort.check(ort.call(OrtNative.CREATE_TENSOR_WITH_DATA, ort.cpuMemory, memory, memory.size(), shape, shape.size.toLong(), type, it), artifact.file, "input ${inputNames[i]}") })
            }
            val outputs = arrayOfNulls<Pointer>(1)
            ort.check(ort.call(OrtNative.RUN, session, null, inputNames, values.toTypedArray(), values.size.toLong(), outputNames, 1L, outputs), artifact.file, "run failed")
            val output = outputs[0]!!
            values.add(output)
            val address = out { ort.check(ort.call(OrtNative.GET_TENSOR_MUTABLE_DATA, output, it), artifact.file, "output data") }
            return address.getFloatArray(0, outputCount)
        } finally {
            for (v in values) ort.release(OrtNative.RELEASE_VALUE, v)
            // CreateTensorWithDataAsOrtValue does not copy: the JNA memory of the inputs must outlive Run and the
            // values' release, or the GC's cleaner frees it while ONNX Runtime reads it (a large input is an
            // munmap'ed block, so the read faults)
            Reference.reachabilityFence(data)
            Reference.reachabilityFence(this)
        }
    }

    private var closed = false

    /** Releases the session once; a second call does nothing (a double release crashes ONNX Runtime). */
    override fun close() {
        if (closed) return
        closed = true
        ort.release(OrtNative.RELEASE_SESSION, session)
    }

    /** ONNX Runtime runners of a bundle's `onnx` artifacts, from the verified model bytes. */
    class Factory(private val ort: OrtNative, private val threads: Int = 1) : ModelRunnerFactory {
        override val format: String get() = "onnx"

        override fun create(bundle: FinliteBundle, artifact: Artifact): ModelRunner = OrtModelRunner(ort, bundle.modelBytes(artifact), artifact, threads)
    }
}
