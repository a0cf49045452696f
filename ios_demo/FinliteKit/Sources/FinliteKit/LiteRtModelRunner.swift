// The TensorFlow Lite (LiteRT) interpreter behind `ModelRunner`, as LiteRtModelRunner.kt is on Android.
// Compiled only where the `TensorFlowLite` module exists: the demo app with the TensorFlowLiteSwift pod
// (ios_demo/Podfile). On Linux (`make test-ios`) it is type-checked against scripts/tflite_api_stub only.
#if canImport(TensorFlowLite)
import Foundation
import TensorFlowLite

/// A `.tflite` artifact of a verified bundle, run on the CPU with `threads` threads.
public final class LiteRtModelRunner: ModelRunner {
    /// LiteRT runners of a bundle's `tflite` artifacts, on `threads` CPU threads (finlite-core's app has the same factory).
    public struct Factory: ModelRunnerFactory {
        public let format = "tflite"
        public let threads: Int

        public init(threads: Int) { self.threads = threads }

        public func create(bundle: FinliteBundle, artifact: Manifest.Artifact) throws -> ModelRunner {
            try LiteRtModelRunner(model: bundle.url(artifact.file), artifact: artifact, threads: threads)
        }
    }

    private let interpreter: Interpreter
    /// Subgraph input index of each artifact input tensor name.
    private let inputIndex: [String: Int]

    public init(model: URL, artifact: Manifest.Artifact, threads: Int) throws {
        var options = Interpreter.Options()
        options.threadCount = threads
        interpreter = try Interpreter(modelPath: model.path, options: options)
        try interpreter.allocateTensors()
        // the interpreter may report `serving_default_ids:0` where the manifest lists `serving_default_ids`;
        // a name it does not report at all falls back to the artifact's input order
        var index: [String: Int] = [:]
        for i in 0..<interpreter.inputTensorCount {
            let name = try interpreter.input(at: i).name
            index[name.components(separatedBy: ":").first ?? name] = i
        }
        for (i, tensor) in artifact.inputs.enumerated() where index[tensor.name] == nil { index[tensor.name] = i }
        inputIndex = index
    }

    public func run(_ inputs: [ModelInput]) throws -> [Float] {
        for input in inputs {
            guard let i = inputIndex[input.tensorName] else { throw FinliteError.invalid("the model has no input \(input.tensorName)") }
            switch input {
            case .ints(_, let data): try interpreter.copy(data.withUnsafeBufferPointer { Data(buffer: $0) }, toInputAt: i)
            case .floats(_, let data): try interpreter.copy(data.withUnsafeBufferPointer { Data(buffer: $0) }, toInputAt: i)
            }
        }
        try interpreter.invoke()
        return try interpreter.output(at: 0).data.withUnsafeBytes { Array($0.bindMemory(to: Float32.self)) }
    }
}
#endif
