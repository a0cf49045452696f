// An `.onnx` artifact run through ONNX Runtime's C API from Swift on Linux (`swift test`), as finlite-jvm's
// OrtModelRunner.kt on the JVM.
#if os(Linux)
import Foundation

/// An `.onnx` artifact run by ONNX Runtime with batch 1 on `threads` intra-op threads; not for concurrent runs.
/// The input tensors wrap memory the runner owns (CreateTensorWithDataAsOrtValue does not copy): they are made once,
/// and a run copies its inputs into them, so nothing ONNX Runtime reads can be freed while it reads it.
public final class OrtModelRunner: ModelRunner {
    /// ONNX Runtime runners of a bundle's `onnx` artifacts, from the verified model bytes.
    public struct Factory: ModelRunnerFactory {
        public let format = "onnx"
        public let ort: OrtNative
        public let threads: Int

        public init(ort: OrtNative, threads: Int = 1) { (self.ort, self.threads) = (ort, threads) }

        public func create(bundle: FinliteBundle, artifact: Manifest.Artifact) throws -> ModelRunner {
            try OrtModelRunner(ort: ort, model: bundle.modelBytes(artifact), artifact: artifact, threads: threads)
        }
    }

    private let ort: OrtNative
    private let artifact: Manifest.Artifact
    private var session: Handle = nil
    /// NUL-terminated copies of the input names and the output name, freed in deinit.
    private var names: [UnsafeMutablePointer<CChar>] = []
    private var inputData: [UnsafeMutableRawBufferPointer] = []
    private var inputValues: [OpaquePointer?] = []
    private let outputCount: Int

    public init(ort: OrtNative, model: Data, artifact: Manifest.Artifact, threads: Int) throws {
        (self.ort, self.artifact) = (ort, artifact)
        outputCount = artifact.outputs.first?.shape.last ?? 0
        do { try load(model, threads) } catch { release(); throw error }
    }

    deinit { release() }

    private func load(_ model: Data, _ threads: Int) throws {
        let (api, file) = (ort.api, artifact.file)
        let options = try api.handle(file, "session options") { api.createSessionOptions($0) }
        defer { api.releaseSessionOptions(options) }
        try api.check(api.setIntraOpNumThreads(options, Int32(threads)), file, "threads")
        session = try model.withUnsafeBytes { bytes in
            try api.handle(file, "cannot load the model") { api.createSessionFromArray(ort.env, bytes.baseAddress, bytes.count, options, $0) }
        }
        var count = 0
        try api.check(api.sessionGetInputCount(session, &count), file, "input count")
        guard count == artifact.inputs.count else {
            throw FinliteError.runtime("\(file): the model has \(count) inputs, the manifest lists \(artifact.inputs.count)")
        }
        names = (artifact.inputs.map(\.name) + [artifact.outputs[0].name]).map { strdup($0)! }
        for spec in artifact.inputs {
            guard let type = OrtApi.elementTypes[spec.dtype] else {
                throw FinliteError.runtime("\(file): input \(spec.name) has dtype \(spec.dtype), the runner takes \(OrtApi.elementTypes.keys.sorted())")
            }
            let shape = [Int64(1)] + spec.shape.dropFirst().map(Int64.init)
            let bytes = 4 * spec.shape.dropFirst().reduce(1, *)
            let data = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 64)
            inputData.append(data)
            inputValues.append(try api.handle(file, "input \(spec.name)") {
                api.createTensorWithDataAsOrtValue(ort.cpuMemory, data.baseAddress!, bytes, shape, shape.count, type, $0)
            })
        }
    }

    public func run(_ inputs: [ModelInput]) throws -> [Float] {
        try ModelInput.check(inputs, against: artifact)
        let (api, file, n) = (ort.api, artifact.file, inputs.count)
        for (input, data) in zip(inputs, inputData) { input.copyBytes(to: data.baseAddress!) }
        let cNames = names.map { UnsafePointer($0) as UnsafePointer<CChar>? }
        var output: OpaquePointer?
        try api.check(api.run(session, nil, cNames, inputValues, n, Array(cNames[n...]), 1, &output), file, "run failed")
        defer { api.releaseValue(output) }
        var address: UnsafeMutableRawPointer?
        try api.check(api.getTensorMutableData(output, &address), file, "output data")
        guard let address else { throw FinliteError.runtime("\(file): ONNX Runtime: the output has no data") }
        return Array(UnsafeBufferPointer(start: address.assumingMemoryBound(to: Float.self), count: outputCount))
    }

    /// Releases the input values and the session (once: a double release crashes ONNX Runtime), then the memory
    /// the values wrapped; idempotent.
    private func release() {
        for value in inputValues { ort.api.releaseValue(value) }
        inputValues.removeAll()
        if let session { ort.api.releaseSession(session) }
        session = nil
        for data in inputData { data.deallocate() }
        inputData.removeAll()
        for name in names { free(name) }
        names.removeAll()
    }
}
#endif
