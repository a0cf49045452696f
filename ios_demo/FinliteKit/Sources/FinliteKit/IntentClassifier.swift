/// An intent bundle's pipeline: text → encoder → model → softmax / top-k / out-of-scope threshold, timed.
public struct IntentClassifier {
    /// The model file it runs: the factory's format at `precision`.
    public let artifact: Manifest.Artifact
    private let encoder: TextEncoder
    private let postprocess: IntentPostprocess
    private let runner: ModelRunner

    public init(bundle: FinliteBundle, factory: ModelRunnerFactory, precision: String) throws {
        guard let encoder = bundle.textEncoder, let postprocess = bundle.intentPostprocess else {
            throw FinliteError.invalid("\(bundle.directory.path): task \"\(bundle.task)\", expected an intent bundle")
        }
        (self.encoder, self.postprocess) = (encoder, postprocess)
        artifact = try bundle.artifact(format: factory.format, precision: precision)
        runner = try factory.create(bundle: bundle, artifact: artifact)
    }

    public func classify(_ text: String) throws -> Timed<IntentPrediction> {
        try Timed.measure(runner, preprocess: { [.ints(tensorName: artifact.inputs[0].name, data: encoder.encode(text))] },
                          decode: { try postprocess.decode($0, text: text) })
    }
}
