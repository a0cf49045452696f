package com.finlite.jvm

import com.finlite.core.bundle.Artifact
import com.finlite.core.pipeline.ModelInput
import com.sun.jna.Memory

/** Raised for a model the native runtime cannot load or run, or inputs that do not fit it: one line, naming the file. */
class NativeRuntimeException(message: String) : RuntimeException(message)

/** Checks [inputs] against [artifact]'s inputs (names in order, element count of the shape without batch) and copies each into native memory. */
internal fun nativeInputs(artifact: Artifact, inputs: List<ModelInput>): List<Memory> {
    val names = artifact.inputs.map { it.name }
    if (inputs.map { it.tensorName } != names) {
        throw NativeRuntimeException("${artifact.file}: inputs ${inputs.map { it.tensorName }}, the model takes $names")
    }
    return inputs.mapIndexed { i, input ->
        val shape = artifact.inputs[i].shape.drop(1)
        val expected = shape.fold(1L) { n, d -> n * d }
        val size = when (input) { is ModelInput.Ints -> input.data.size; is ModelInput.Floats -> input.data.size }
        if (size.toLong() != expected) {
            throw NativeRuntimeException("${artifact.file}: input ${input.tensorName} has $size values, the model expects $expected (shape $shape without the batch axis)")
        }
        Memory(4L * size).also { m ->
            when (input) { is ModelInput.Ints -> m.write(0, input.data, 0, size); is ModelInput.Floats -> m.write(0, input.data, 0, size) }
        }
    }
}
