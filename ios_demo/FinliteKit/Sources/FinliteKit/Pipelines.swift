import Foundation

/// One model input tensor handed to a runner (batch 1; shape without the batch axis).
public enum InputTensor: Equatable {
    case int32(name: String, shape: [Int], values: [Int32])
    case float32(name: String, shape: [Int], values: [Float])

    public var name: String {
        switch self { case .int32(let n, _, _), .float32(let n, _, _): return n }
    }
}

/// Runs a model on named inputs (in `manifest.input_names` order) and returns its single float32
/// output row. `TFLiteModel` implements it on iOS; tests use a replay of golden logits.
public protocol ModelRunner {
    func run(_ inputs: [InputTensor]) throws -> [Float]
}

/// Intent bundle → text in, decision out: encoder, runner and post-processing wired together.
public struct IntentClassifier {
    public let encoder: TextEncoder
    public let labels: [String]
    public let rule: IntentPostprocess
    public let runner: ModelRunner

    public init(bundle: FinliteBundle, runner: ModelRunner) throws {
        guard bundle.task == "intent" else { throw FinliteError.invalid("\(bundle.directory.path) is a \(bundle.task) bundle, not intent") }
        self.encoder = try TextEncoder(spec: bundle.textSpec())
        self.labels = bundle.labels
        self.rule = try bundle.intentPostprocess()
        self.runner = runner
    }

    /// The decision for `text` and the wall-clock milliseconds of encoding + inference + post-processing.
    public func classify(_ text: String) throws -> (result: IntentResult, milliseconds: Double) {
        let start = Date()
        let spec = encoder.spec
        let ids = encoder.encode(text)
        let logits = try runner.run([.int32(name: "ids", shape: [spec.maxUnits, spec.maxFeats], values: ids)])
        guard logits.count == labels.count else {
            throw FinliteError.invalid("model returned \(logits.count) logits for \(labels.count) labels")
        }
        let result = Postprocess.intent(logits: logits, labels: labels, rule: rule)
        return (result, Date().timeIntervalSince(start) * 1000)
    }
}

/// Profile bundle → a user's raw events and attributes in, stage / tags / top products out.
public struct ProfileScorer {
    public let encoder: ProfileEncoder
    public let rule: ProfilePostprocess
    public let runner: ModelRunner

    public init(bundle: FinliteBundle, runner: ModelRunner) throws {
        guard bundle.task == "profile" else { throw FinliteError.invalid("\(bundle.directory.path) is a \(bundle.task) bundle, not profile") }
        self.encoder = try ProfileEncoder(spec: bundle.profileSpec())
        self.rule = try bundle.profilePostprocess()
        self.runner = runner
    }

    public func inputs(_ x: ProfileInputs) -> [InputTensor] {
        let n = encoder.spec.maxEvents
        return [
            .int32(name: "cat", shape: [n, ProfileSpec.catFeatures], values: x.cat),
            .float32(name: "num", shape: [n, ProfileSpec.numFeatures], values: x.num),
            .float32(name: "static", shape: [ProfileSpec.staticFeatures], values: x.statics),
        ]
    }

    /// The profile of one user at `asOfMs` and the wall-clock milliseconds it took.
    public func score(events: [EventRow], attributes: AttributeRow?, asOfMs: Int64) throws -> (result: ProfileResult, milliseconds: Double) {
        let start = Date()
        let x = try encoder.encode(rows: events, attributes: attributes, asOfMs: asOfMs)
        let logits = try runner.run(inputs(x))
        let result = try Postprocess.profile(logits: logits, rule: rule)
        return (result, Date().timeIntervalSince(start) * 1000)
    }
}
