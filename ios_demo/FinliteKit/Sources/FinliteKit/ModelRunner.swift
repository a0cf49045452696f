/// One model input: its tensor name in the artifact (`Manifest.Artifact.inputs`) and its data, row-major,
/// without the batch axis.
public enum ModelInput: Equatable {
    case ints(tensorName: String, data: [Int32])
    case floats(tensorName: String, data: [Float])

    public var tensorName: String {
        switch self { case .ints(let name, _), .floats(let name, _): return name }
    }
}

/// Runs one model artifact with batch size 1 and returns its single float32 output row (the logits).
public protocol ModelRunner {
    func run(_ inputs: [ModelInput]) throws -> [Float]
}

/// Creates the runners of one runtime, so that the pipelines compile and test without it: LiteRT in the app
/// (LiteRtModelRunner.swift, the only file that imports TensorFlowLite), a replay of golden.json in the tests.
public protocol ModelRunnerFactory {
    /// The manifest artifact format this runtime runs (`tflite`); the pipelines select `(format, precision)`.
    var format: String { get }

    func create(bundle: FinliteBundle, artifact: Manifest.Artifact) throws -> ModelRunner
}
