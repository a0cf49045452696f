import Foundation

/// A verified bundle folder with what its task needs (as finlite-core's `FinliteBundle`): for intent the text
/// encoder and the intent post-processing; for profile the spec, the raw-row parser, the profile encoder and the
/// profile post-processing. The manifest and every file it lists are checked against the rule set (`BundleVerifier`,
/// docs/bundle.md "The rule set") before anything is read; preprocess.json must be `Formats.preprocess`.
/// To also require a signature by a pinned key, verify with `SignatureVerifier` first.
public struct FinliteBundle {
    public let directory: URL
    public let manifest: Manifest
    /// labels.txt: line i names output column i.
    public let labels: [String]
    public private(set) var textEncoder: TextEncoder?
    public private(set) var intentPostprocess: IntentPostprocess?
    public private(set) var profileSpec: ProfileSpec?
    public private(set) var profileEncoder: ProfileEncoder?
    public private(set) var rowParser: RawRowParser?
    public private(set) var profilePostprocess: ProfilePostprocess?

    public var task: String { manifest.task }

    public init(directory: URL) throws {
        self.directory = directory
        let manifestURL = directory.appendingPathComponent(Manifest.file)
        let data = try BundleVerifier.verify(directory: directory).data
        manifest = try JSONDecoder().decode(Manifest.self, from: data)
        labels = FinliteBundle.readLabels(try String(contentsOf: directory.appendingPathComponent(manifest.labelsFile), encoding: .utf8))
        let preprocess = try Preprocess.read(directory.appendingPathComponent(manifest.preprocessFile), task: manifest.task)
        switch manifest.task {
        case "intent":
            textEncoder = try TextEncoder(spec: try preprocess.need(\.text, "text"))
            intentPostprocess = try IntentPostprocess(block: try Self.postprocess(data), labels: labels)
        case "profile":
            let spec = try preprocess.need(\.profile, "profile")
            profileSpec = spec
            profileEncoder = try ProfileEncoder(spec: spec)
            rowParser = RawRowParser(schema: spec.schema)
            profilePostprocess = try ProfilePostprocess(block: try Self.postprocess(data))
        default:
            throw FinliteError.unsupported("\(manifestURL.path): unknown task \"\(manifest.task)\" (this library knows intent and profile)")
        }
    }

    /// labels.txt: one label per line (`\n`), line i = output column i.
    public static func readLabels(_ text: String) -> [String] {
        var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    public func url(_ file: String) -> URL { directory.appendingPathComponent(file) }

    /// The bytes of `artifact`'s model file, checked again against the manifest's sha256 (finlite-core:
    /// `FinliteBundle.modelBytes`): LiteRT does not verify a flatbuffer, and a file changed since the bundle was
    /// loaded must never reach it.
    public func modelBytes(_ artifact: Manifest.Artifact) throws -> Data {
        let file = url(artifact.file)
        guard let entry = manifest.files[artifact.file] else {
            throw FinliteError.bundle(code: "file_unlisted", message: "\(file.path): not listed in the manifest")
        }
        guard let bytes = try? Data(contentsOf: file) else { throw FinliteError.missingFile(file.path) }
        guard SHA256.hex(bytes) == entry.sha256 else {
            throw FinliteError.bundle(code: "file_sha256", message: "\(file.path): sha256 does not match the manifest — refusing to load")
        }
        return bytes
    }

    /// The artifact of `format` (the artifact's `format`: `tflite`, `onnx`, …) and `precision` (`fp32` / `int8`),
    /// the one selection key of every platform (finlite-core: `Manifest.artifact(format, precision)`).
    public func artifact(format: String, precision: String) throws -> Manifest.Artifact {
        guard let a = manifest.artifacts.first(where: { $0.format == format && $0.precision == precision }) else {
            let has = manifest.artifacts.map { "\($0.format)/\($0.precision)" }.joined(separator: ", ")
            throw FinliteError.invalid("\(directory.path): no \(format)/\(precision) artifact (has: \(has))")
        }
        return a
    }

    /// The manifest's `postprocess` block of the bundle's task.
    private static func postprocess<Block: Decodable>(_ manifest: Data) throws -> Block {
        try JSONDecoder().decode(Postprocess<Block>.self, from: manifest).postprocess
    }

    private struct Postprocess<Block: Decodable>: Decodable {
        var postprocess: Block
    }

    /// The fields read before the rest of a file, so that another format is refused as such.
    private struct Header: Decodable {
        var format: String
        var task: String?
    }

    /// preprocess.json, checked first: format `Formats.preprocess` and the manifest's task.
    private struct Preprocess: Decodable {
        var text: TextSpec?
        var profile: ProfileSpec?
        var path = ""

        enum CodingKeys: String, CodingKey { case text, profile }

        static func read(_ url: URL, task: String) throws -> Preprocess {
            let data = try Data(contentsOf: url)
            let header = try JSONDecoder().decode(Header.self, from: data)
            try Formats.check(header.format, Formats.preprocess, in: url.path)
            guard header.task == task else {
                throw FinliteError.invalid("\(url.path): task \"\(header.task ?? "null")\", the manifest says \"\(task)\"")
            }
            var preprocess = try JSONDecoder().decode(Preprocess.self, from: data)
            preprocess.path = url.path
            return preprocess
        }

        /// The block `name` of the task, which must be present.
        func need<T>(_ block: KeyPath<Preprocess, T?>, _ name: String) throws -> T {
            guard let value = self[keyPath: block] else { throw FinliteError.invalid("\(path): no \"\(name)\" block") }
            return value
        }
    }
}
