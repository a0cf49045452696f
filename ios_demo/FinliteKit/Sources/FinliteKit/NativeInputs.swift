/// The checks both native-runtime runners make before a run (finlite-jvm's NativeInputs.kt): the inputs carry the
/// artifact's tensor names in order, and each has its dtype and the element count of its shape without the batch axis.
/// A mismatch is a one-line `FinliteError.runtime` naming the file, never a read past a native buffer.
extension ModelInput {
    /// The manifest dtype of the data.
    var dtype: String {
        switch self { case .ints: return "int32"; case .floats: return "float32" }
    }

    /// Element count.
    var count: Int {
        switch self { case .ints(_, let d): return d.count; case .floats(_, let d): return d.count }
    }

    /// Bytes of the data (int32 and float32: 4 per element).
    var byteCount: Int { 4 * count }

    /// Copies the data's bytes to `destination`, which holds at least `byteCount` bytes.
    func copyBytes(to destination: UnsafeMutableRawPointer) {
        switch self {
        case .ints(_, let d): d.withUnsafeBytes { if let b = $0.baseAddress { destination.copyMemory(from: b, byteCount: $0.count) } }
        case .floats(_, let d): d.withUnsafeBytes { if let b = $0.baseAddress { destination.copyMemory(from: b, byteCount: $0.count) } }
        }
    }

    /// Throws unless `inputs` are `artifact`'s inputs by name, in order, with its dtypes and element counts.
    static func check(_ inputs: [ModelInput], against artifact: Manifest.Artifact) throws {
        let names = artifact.inputs.map(\.name)
        guard inputs.map(\.tensorName) == names else {
            throw FinliteError.runtime("\(artifact.file): inputs \(inputs.map(\.tensorName)), the model takes \(names)")
        }
        for (input, spec) in zip(inputs, artifact.inputs) {
            if input.dtype != spec.dtype {
                throw FinliteError.runtime("\(artifact.file): input \(input.tensorName) is \(input.dtype), the model expects \(spec.dtype)")
            }
            let shape = Array(spec.shape.dropFirst())
            let expected = shape.reduce(1, *)
            if input.count != expected {
                throw FinliteError.runtime("\(artifact.file): input \(input.tensorName) has \(input.count) values, the model expects \(expected) (shape \(shape) without the batch axis)")
            }
        }
    }
}
