// A `.tflite` artifact run through LiteRT's C API from Swift on Linux (`swift test`), as finlite-jvm's
// LiteRtCModelRunner.kt on the JVM; on Apple platforms the app runs LiteRtModelRunner.swift (the LiteRT pod) behind
// the same `ModelRunner` protocol.
#if os(Linux)
import Foundation

/// A `.tflite` artifact run by LiteRT's CompiledModel (CPU/XNNPACK), batch 1; not for concurrent runs (one set of
/// tensor buffers). The model bytes must be verified first (the `Factory` reads them with `FinliteBundle.modelBytes`):
/// LiteRT 2.3 does not verify the flatbuffer, and a truncated or bit-flipped file crashes the process, so
/// corruption is caught by the bundle's sha256 and by the `TFL3` file-identifier check here, in one line.
public final class LiteRtCModelRunner: ModelRunner {
    /// LiteRT runners of a bundle's `tflite` artifacts, from the verified model bytes.
    public struct Factory: ModelRunnerFactory {
        public let format = "tflite"
        public let lib: LiteRtNative

        public init(lib: LiteRtNative) { self.lib = lib }

        public func create(bundle: FinliteBundle, artifact: Manifest.Artifact) throws -> ModelRunner {
            try LiteRtCModelRunner(lib: lib, model: bundle.modelBytes(artifact), artifact: artifact)
        }
    }

    private let lib: LiteRtNative
    private let artifact: Manifest.Artifact
    /// The model bytes: LiteRtCreateModelFromBuffer requires them valid for the model's lifetime (litert_model.h),
    /// so the runner owns them and frees them after the model.
    private var modelBytes: UnsafeMutableRawBufferPointer?
    /// Destroys what was created, in creation order (run reversed).
    private var releases: [() -> Void] = []
    private var compiled: Handle = nil
    /// The input tensor buffers in the signature's order, and their sizes in bytes.
    private var inputBuffers: [OpaquePointer?] = []
    private var inputBytes: [Int] = []
    /// The signature input index of each artifact input.
    private var artifactToModel: [Int] = []
    private var outputBuffers: [OpaquePointer?] = []
    private var outputCount = 0

    public init(lib: LiteRtNative, model: Data, artifact: Manifest.Artifact) throws {
        guard model.count >= 8, model.dropFirst(4).prefix(4).elementsEqual("TFL3".utf8) else {
            throw FinliteError.runtime("\(artifact.file): not a TFLite flatbuffer (no TFL3 file identifier)")
        }
        (self.lib, self.artifact) = (lib, artifact)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: model.count, alignment: 16)
        model.copyBytes(to: bytes)
        modelBytes = bytes
        do { try load(bytes) } catch { release(); throw error }
    }

    deinit { release() }

    private func load(_ bytes: UnsafeMutableRawBufferPointer) throws {
        let (c, env, file) = (lib.c, lib.env, artifact.file)
        let model = try LiteRtC.handle(file, "cannot load the model") { c.createModelFromBuffer(env, bytes.baseAddress, bytes.count, $0) }
        releases.append { c.destroyModel(model) }
        let options = try LiteRtC.handle(file, "LiteRtCreateOptions") { c.createOptions($0) }
        defer { c.destroyOptions(options) }
        try LiteRtC.check(c.setOptionsHardwareAccelerators(options, LiteRtC.hwAcceleratorCpu), file, "CPU accelerator")
        let compiled = try LiteRtC.handle(file, "cannot compile the model") { c.createCompiledModel(env, model, options, $0) }
        releases.append { c.destroyCompiledModel(compiled) }
        self.compiled = compiled
        let signature = try LiteRtC.handle(file, "no signature") { c.getModelSignature(model, 0, $0) }
        var n = 0
        try LiteRtC.check(c.getNumSignatureInputs(signature, &n), file, "signature inputs")
        let names = try (0..<n).map { i -> String in
            var name: UnsafePointer<CChar>?
            try LiteRtC.check(c.getSignatureInputName(signature, i, &name), file, "input name")
            return name.map { String(cString: $0) } ?? ""
        }
        guard n == artifact.inputs.count else {
            throw FinliteError.runtime("\(file): the model has \(n) inputs \(names), the manifest lists \(artifact.inputs.count)")
        }
        // the manifest names `serving_default_<name>`, the signature `<name>`; the manifest's order is the runner's order
        artifactToModel = try artifact.inputs.map { spec in
            guard let i = names.firstIndex(where: { spec.name == $0 || spec.name == "serving_default_\($0)" }) else {
                throw FinliteError.runtime("\(file): the model has no input \(spec.name) (it has \(names))")
            }
            return i
        }
        for i in 0..<n {
            let (buffer, size) = try tensorBuffer(signature, i, input: true)
            inputBuffers.append(buffer)
            inputBytes.append(size)
        }
        let (output, size) = try tensorBuffer(signature, 0, input: false)
        outputBuffers = [output]
        outputCount = size / MemoryLayout<Float>.size
    }

    /// A managed host buffer for input or output `index` of the signature, and its size in bytes.
    private func tensorBuffer(_ signature: OpaquePointer, _ index: Int, input: Bool) throws -> (OpaquePointer, Int) {
        let (c, file, what) = (lib.c, artifact.file, input ? "input \(index)" : "output \(index)")
        let tensor = try LiteRtC.handle(file, what) {
            input ? c.getSignatureInputTensorByIndex(signature, index, $0) : c.getSignatureOutputTensorByIndex(signature, index, $0)
        }
        let type = UnsafeMutableRawPointer.allocate(byteCount: LiteRtC.rankedTypeBytes, alignment: 16)
        defer { type.deallocate() }
        type.initializeMemory(as: UInt8.self, repeating: 0, count: LiteRtC.rankedTypeBytes)
        try LiteRtC.check(c.getRankedTensorType(tensor, type), file, "\(what) type")
        let requirements = try LiteRtC.handle(file, "\(what) buffer requirements") {
            input ? c.getCompiledModelInputBufferRequirements(compiled, 0, index, $0)
                  : c.getCompiledModelOutputBufferRequirements(compiled, 0, index, $0)
        }
        var size = 0
        try LiteRtC.check(c.getTensorBufferRequirementsBufferSize(requirements, &size), file, "\(what) buffer size")
        let buffer = try LiteRtC.handle(file, "\(what) buffer") { c.createManagedTensorBufferFromRequirements(lib.env, type, requirements, $0) }
        releases.append { c.destroyTensorBuffer(buffer) }
        return (buffer, size)
    }

    public func run(_ inputs: [ModelInput]) throws -> [Float] {
        try ModelInput.check(inputs, against: artifact)
        let (c, file) = (lib.c, artifact.file)
        for (input, m) in zip(inputs, artifactToModel) {
            guard input.byteCount == inputBytes[m] else {
                throw FinliteError.runtime("\(file): input \(input.tensorName) has \(input.byteCount) bytes, LiteRT expects \(inputBytes[m])")
            }
            try locked(inputBuffers[m], LiteRtC.lockWrite) { input.copyBytes(to: $0) }
        }
        let status = inputBuffers.withUnsafeMutableBufferPointer { ins in
            outputBuffers.withUnsafeMutableBufferPointer { outs in c.runCompiledModel(compiled, 0, ins.count, ins.baseAddress!, outs.count, outs.baseAddress!) }
        }
        try LiteRtC.check(status, file, "run failed")
        return try locked(outputBuffers[0], LiteRtC.lockRead) {
            Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Float.self), count: outputCount))
        }
    }

    /// `body` on the host memory of `buffer`, locked in `mode` for the call.
    private func locked<T>(_ buffer: Handle, _ mode: Int32, _ body: (UnsafeMutableRawPointer) -> T) throws -> T {
        var address: UnsafeMutableRawPointer?
        try LiteRtC.check(lib.c.lockTensorBuffer(buffer, &address, mode), artifact.file, "lock a tensor buffer")
        defer { _ = lib.c.unlockTensorBuffer(buffer) }
        guard let address else { throw FinliteError.runtime("\(artifact.file): LiteRT: a locked tensor buffer has no address") }
        return body(address)
    }

    /// Destroys the buffers, compiled model and model (reverse creation order), then frees the model bytes; idempotent.
    private func release() {
        for destroy in releases.reversed() { destroy() }
        releases.removeAll()
        modelBytes?.deallocate()
        modelBytes = nil
    }
}
#endif
