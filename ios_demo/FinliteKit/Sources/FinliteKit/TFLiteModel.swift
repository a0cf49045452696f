// The TensorFlow Lite interpreter behind `ModelRunner`. Compiled only where the `TensorFlowLite` module
// exists: the demo app with the TensorFlowLiteSwift pod (ios_demo/Podfile). Not compiled on Linux or
// in CI (`make test-ios`), so it is checked by building the app in Xcode only.
#if canImport(TensorFlowLite)
import Foundation
import TensorFlowLite

/// A `.tflite` artifact of a verified bundle, run on the CPU with `threads` threads.
public final class TFLiteModel: ModelRunner {
    private let interpreter: Interpreter
    /// Subgraph input index of each manifest input name.
    private let inputIndex: [String: Int]

    public init(bundle: FinliteBundle, precision: String = "fp32", threads: Int = 2) throws {
        let artifact = try bundle.artifact(format: "tflite", precision: precision)
        var options = Interpreter.Options()
        options.threadCount = threads
        interpreter = try Interpreter(modelPath: bundle.url(artifact.file).path, options: options)
        try interpreter.allocateTensors()
        // TFLite names the inputs serving_default_<name>; they come in manifest.input_names order.
        var index: [String: Int] = [:]
        for i in 0..<interpreter.inputTensorCount {
            let name = try interpreter.input(at: i).name
            let plain = name.hasPrefix("serving_default_") ? String(name.dropFirst("serving_default_".count)) : name
            index[plain.components(separatedBy: ":").first ?? plain] = i
        }
        for (i, name) in bundle.manifest.inputNames.enumerated() where index[name] == nil { index[name] = i }
        inputIndex = index
    }

    public func run(_ inputs: [InputTensor]) throws -> [Float] {
        for input in inputs {
            guard let i = inputIndex[input.name] else { throw FinliteError.invalid("model has no input \(input.name)") }
            switch input {
            case .int32(_, _, let values): try interpreter.copy(values.withUnsafeBufferPointer { Data(buffer: $0) }, toInputAt: i)
            case .float32(_, _, let values): try interpreter.copy(values.withUnsafeBufferPointer { Data(buffer: $0) }, toInputAt: i)
            }
        }
        try interpreter.invoke()
        let output = try interpreter.output(at: 0)
        return output.data.withUnsafeBytes { Array($0.bindMemory(to: Float32.self)) }
    }
}
#endif
