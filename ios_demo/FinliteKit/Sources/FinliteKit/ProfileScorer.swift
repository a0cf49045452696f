import Foundation

/// A profile bundle's pipeline: raw event / attribute rows → parser → encoder → model → stage, tags, top products, timed.
public struct ProfileScorer {
    /// The model file it runs: the factory's format at `precision`.
    public let artifact: Manifest.Artifact
    private let parser: RawRowParser
    private let encoder: ProfileEncoder
    private let postprocess: ProfilePostprocess
    private let runner: ModelRunner
    private let spec: ProfileSpec
    private let preprocessSha256: String

    public init(bundle: FinliteBundle, factory: ModelRunnerFactory, precision: String) throws {
        guard let parser = bundle.rowParser, let encoder = bundle.profileEncoder, let postprocess = bundle.profilePostprocess,
              let spec = bundle.profileSpec, let sha = bundle.manifest.files[bundle.manifest.preprocessFile]?.sha256 else {
            throw FinliteError.invalid("\(bundle.directory.path): task \"\(bundle.task)\", expected a profile bundle")
        }
        (self.parser, self.encoder, self.postprocess, self.spec, self.preprocessSha256) = (parser, encoder, postprocess, spec, sha)
        artifact = try bundle.artifact(format: factory.format, precision: precision)
        runner = try factory.create(bundle: bundle, artifact: artifact)
    }

    /// The prediction for one user's raw rows (cells as text, as in the events / users files) at `asOfMs`.
    public func score(events: [RawRow], attributes: RawRow?, asOfMs: Int64) throws -> Timed<ProfilePrediction> {
        try Timed.measure(runner, preprocess: { try inputs(events, attributes, asOfMs) }, decode: postprocess.decode)
    }

    /// A new streaming state for this bundle (docs/state.md): feed it every event, score it with `score(state:asOfMs:)`.
    public func newState() throws -> ProfileState { try ProfileState(spec: spec, specSha256: preprocessSha256) }

    /// A state saved by `ProfileState.toBytes()` for this bundle (one saved for another spec is refused).
    public func restoreState(_ bytes: Data) throws -> ProfileState { try ProfileState(spec: spec, specSha256: preprocessSha256, bytes: bytes) }

    /// The prediction from a user's streaming `state` at `asOfMs` (not before its newest event).
    public func score(state: ProfileState, asOfMs: Int64) throws -> Timed<ProfilePrediction> {
        try Timed.measure(runner, preprocess: { modelInputs(try state.inputs(asOfMs: asOfMs)) }, decode: postprocess.decode)
    }

    private func inputs(_ events: [RawRow], _ attributes: RawRow?, _ asOfMs: Int64) throws -> [ModelInput] {
        modelInputs(encoder.encode(events: try events.map(parser.event), attributes: try attributes.map(parser.attributes), asOfMs: asOfMs))
    }

    /// cat, num, static under the artifact's tensor names (an artifact lists its inputs in manifest.input_names order).
    private func modelInputs(_ x: ProfileInputs) -> [ModelInput] {
        let names = artifact.inputs.map(\.name)
        return [.ints(tensorName: names[0], data: x.cat), .floats(tensorName: names[1], data: x.num),
                .floats(tensorName: names[2], data: x.static)]
    }
}
