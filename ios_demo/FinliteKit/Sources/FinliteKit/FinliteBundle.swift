import Foundation

/// `manifest.json` of a `finlite.bundle/1` bundle (the fields an app needs).
public struct Manifest: Decodable {
    public struct FileEntry: Decodable, Equatable {
        public var sha256: String
        public var bytes: Int
    }
    public struct TensorInfo: Decodable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
    }
    public struct Artifact: Decodable, Equatable {
        public var file: String
        public var format: String
        public var precision: String
        public var inputs: [TensorInfo]
        public var outputs: [TensorInfo]
    }

    public var format: String
    public var task: String
    public var name: String
    public var labelsFile: String
    public var preprocessFile: String
    public var goldenFile: String
    public var inputNames: [String]
    public var artifacts: [Artifact]
    public var files: [String: FileEntry]

    enum CodingKeys: String, CodingKey {
        case format, task, name, artifacts, files
        case labelsFile = "labels_file", preprocessFile = "preprocess_file", goldenFile = "golden_file"
        case inputNames = "input_names"
    }
}

/// A verified bundle folder: every file listed in the manifest exists with its size and sha256,
/// checked before anything is read (docs/bundle.md, "Loading").
public struct FinliteBundle {
    public static let format = "finlite.bundle/1"

    public let directory: URL
    public let manifest: Manifest
    /// labels.txt: line i names output column i.
    public let labels: [String]
    /// The raw manifest `postprocess` block, decoded per task by `intentPostprocess` / `profilePostprocess`.
    private let manifestData: Data

    public var task: String { manifest.task }

    public init(directory: URL) throws {
        self.directory = directory
        let manifestURL = directory.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: manifestURL) else {
            throw FinliteError.missingFile("\(directory.path)/manifest.json (not a finlite bundle)")
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        guard manifest.format == FinliteBundle.format else {
            throw FinliteError.unsupported("\(manifestURL.path): bundle format \(manifest.format), FinliteKit reads \(FinliteBundle.format)")
        }
        try FinliteBundle.verify(directory: directory, files: manifest.files)
        self.manifest = manifest
        self.manifestData = data
        let text = try String(contentsOf: directory.appendingPathComponent(manifest.labelsFile), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        self.labels = lines
    }

    /// Checks size and sha256 of every listed file; the error names the first file that fails.
    public static func verify(directory: URL, files: [String: Manifest.FileEntry]) throws {
        for (name, entry) in files.sorted(by: { $0.key < $1.key }) {
            let url = directory.appendingPathComponent(name)
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path),
                  let size = (attrs[.size] as? NSNumber)?.intValue else {
                throw FinliteError.missingFile(url.path)
            }
            let digest = try SHA256.hex(fileAt: url)
            if size != entry.bytes || digest != entry.sha256 {
                throw FinliteError.checksumMismatch(file: url.path, expected: entry.sha256, actual: digest)
            }
        }
    }

    public func url(_ file: String) -> URL { directory.appendingPathComponent(file) }

    /// The text spec of an intent bundle's preprocess.json.
    public func textSpec() throws -> TextSpec {
        struct Preprocess: Decodable { var task: String; var text: TextSpec }
        return try JSONDecoder().decode(Preprocess.self, from: Data(contentsOf: url(manifest.preprocessFile))).text
    }

    /// The profile spec of a profile bundle's preprocess.json.
    public func profileSpec() throws -> ProfileSpec {
        struct Preprocess: Decodable { var task: String; var profile: ProfileSpec }
        return try JSONDecoder().decode(Preprocess.self, from: Data(contentsOf: url(manifest.preprocessFile))).profile
    }

    public func intentPostprocess() throws -> IntentPostprocess {
        struct M: Decodable { var postprocess: IntentPostprocess }
        return try JSONDecoder().decode(M.self, from: manifestData).postprocess
    }

    public func profilePostprocess() throws -> ProfilePostprocess {
        struct M: Decodable { var postprocess: ProfilePostprocess }
        return try JSONDecoder().decode(M.self, from: manifestData).postprocess
    }

    /// The artifact of a format and precision (`tflite`/`onnx`, `fp32`/`int8`).
    public func artifact(format: String = "tflite", precision: String = "fp32") throws -> Manifest.Artifact {
        guard let a = manifest.artifacts.first(where: { $0.format == format && $0.precision == precision }) else {
            throw FinliteError.missingFile("\(directory.path): no \(format) \(precision) artifact in the manifest")
        }
        return a
    }
}
