import Foundation

/// `manifest.json` of a `Formats.bundle` bundle (the fields an app needs).
public struct Manifest: Decodable {
    public struct FileEntry: Decodable, Equatable {
        public var sha256: String
        public var bytes: Int
    }
    /// Name, dtype and shape of one model input or output (`-1` = dynamic batch).
    public struct TensorInfo: Decodable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
    }
    /// One model file of the bundle (format `tflite` / `onnx`, precision `fp32` / `int8`).
    public struct Artifact: Decodable, Equatable {
        public var file: String
        public var format: String
        public var precision: String
        public var inputs: [TensorInfo]
        public var outputs: [TensorInfo]
    }

    public static let file = "manifest.json"

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
