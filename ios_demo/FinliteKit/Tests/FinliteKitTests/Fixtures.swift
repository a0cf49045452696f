import Foundation
import XCTest
@testable import FinliteKit

/// Where the tests find their inputs. `make test-ios` sets FINLITE_BUNDLES (a folder with intent/ and
/// profile/) and FINLITE_GOLDEN_DIR; in Xcode the defaults are ios_demo/Bundles (filled by
/// scripts/sync_bundle.sh) and the repository's tests/golden/.
enum Fixtures {
    static let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var bundles: URL {
        if let env = ProcessInfo.processInfo.environment["FINLITE_BUNDLES"] { return URL(fileURLWithPath: env) }
        return packageDir.deletingLastPathComponent().appendingPathComponent("Bundles")
    }

    /// The project's own golden files (text_v1.json): FINLITE_GOLDEN_DIR or tests/golden.
    static var goldenDir: URL {
        if let env = ProcessInfo.processInfo.environment["FINLITE_GOLDEN_DIR"] { return URL(fileURLWithPath: env) }
        return packageDir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tests/golden")
    }

    /// The repository's examples/ (the demo apps' trigger spec and offer policy): FINLITE_EXAMPLES or examples/.
    static var examples: URL {
        if let env = ProcessInfo.processInfo.environment["FINLITE_EXAMPLES"] { return URL(fileURLWithPath: env) }
        return packageDir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")
    }

    /// tests/bundles (valid/, invalid/, signed/): FINLITE_RULE_BUNDLES or the repository's folder.
    static var ruleBundles: URL {
        if let env = ProcessInfo.processInfo.environment["FINLITE_RULE_BUNDLES"] { return URL(fileURLWithPath: env) }
        return packageDir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tests/bundles")
    }

    /// The `cases` of a cases.json below `ruleBundles` (name, key, code).
    static func ruleCases(_ path: String) throws -> [[String: String]] {
        let data = try Data(contentsOf: ruleBundles.appendingPathComponent(path))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["cases"] as? [[String: String]]) ?? []
    }

    static var textGolden: URL { goldenDir.appendingPathComponent("text_v1.json") }

    /// The profile bundle's preprocess.json `tensors`: each input's column names (and the cat columns' sizes).
    struct Tensors: Decodable {
        struct Column: Decodable { var name: String; var vocab_size: Int? }
        struct Input: Decodable { var name: String; var columns: [Column] }
        var inputs: [Input]
    }

    static func profileTensors(_ name: String = "profile") throws -> Tensors {
        struct File: Decodable { var tensors: Tensors }
        let b = try bundle(name)
        return try decode(File.self, b.url(b.manifest.preprocessFile)).tensors
    }

    /// The names of the profile bundle's static columns, from its preprocess.json.
    static func staticColumns() throws -> [String] {
        try profileTensors().inputs[2].columns.map(\.name)
    }

    /// The profile bundle's `profile` spec with changes to its JSON (e.g. another window or unit norms).
    static func profileSpec(_ change: (inout [String: Any]) -> Void) throws -> ProfileSpec {
        let b = try bundle("profile")
        let top = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: b.url(b.manifest.preprocessFile))) as? [String: Any])
        var profile = try XCTUnwrap(top["profile"] as? [String: Any])
        change(&profile)
        return try JSONDecoder().decode(ProfileSpec.self, from: JSONSerialization.data(withJSONObject: profile))
    }

    /// Loaded once per test process: verifying sha256s and decoding golden.json is slow in debug builds.
    private static var cache: [String: Any] = [:]
    private static func cached<T>(_ key: String, _ make: () throws -> T) throws -> T {
        if let v = cache[key] as? T { return v }
        let v = try make()
        cache[key] = v
        return v
    }

    /// A verified bundle (`intent` or `profile`); fails the test with the path when it is missing.
    static func bundle(_ task: String) throws -> FinliteBundle {
        try cached("bundle/" + task) { try loadBundle(task) }
    }

    private static func loadBundle(_ task: String) throws -> FinliteBundle {
        let dir = bundles.appendingPathComponent(task)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("manifest.json").path) else {
            XCTFail("no \(task) bundle at \(dir.path): run `make test-bundles` and scripts/sync_bundle.sh, or set FINLITE_BUNDLES")
            throw FinliteError.missingFile(dir.path)
        }
        return try FinliteBundle(directory: dir)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }

    static func intentGolden() throws -> IntentGolden {
        let b = try bundle("intent")
        return try cached("golden/intent") { try decode(IntentGolden.self, b.url(b.manifest.goldenFile)) }
    }

    static func profileGolden(_ name: String = "profile") throws -> ProfileGolden {
        let b = try bundle(name)
        return try cached("golden/" + name) { try decode(ProfileGolden.self, b.url(b.manifest.goldenFile)) }
    }
}

/// `tests/golden/text_v1.json`.
struct TextGolden: Decodable {
    struct Case: Decodable {
        var name: String
        var text: String
        var units: [[String]]  // [kind, unit]
        var features: [[String]]
        var ids: [[Int32]]
    }
    var format: String
    var spec: TextSpec
    var cases: [Case]
}

/// An intent bundle's golden.json (`Formats.golden`).
struct IntentGolden: Decodable {
    struct Top: Decodable { var label: String; var index: Int; var prob: Double }
    struct Expected: Decodable {
        var logits: [Double]
        var probs: [Double]
        var top_k: [Top]
        var label: String
    }
    struct Example: Decodable {
        var text: String
        var units: [String]
        var ids: [[Int32]]
        var expected: [String: Expected]
    }
    var format: String
    var task: String
    var postprocess: IntentPostprocess.Block
    var examples: [Example]
}

/// A profile bundle's golden.json (`Formats.golden`).
struct ProfileGolden: Decodable {
    struct Inputs: Decodable {
        var cat: [[Int32]]
        var num: [[Double]]
        var `static`: [Double]
    }
    struct Product: Decodable { var product: String; var index: Int; var prob: Double; var propensity: Double }
    struct Expected: Decodable {
        var logits: [Double]
        var stage: String
        var stage_probs: [String: Double]
        var tags: [String: Double]
        var buy_prob: Double
        var top_products: [Product]
    }
    struct Example: Decodable {
        var name: String
        var user_id: String
        var as_of_ms: Int64
        var events: [RawRow]
        var attributes: RawRow?
        var inputs: Inputs
        var expected: [String: Expected]
    }
    var format: String
    var task: String
    var postprocess: ProfilePostprocess.Block
    var examples: [Example]
}

/// A fake runtime for the pipeline tests (finlite-core's tests have the same one): its runners answer with the
/// expected logits, for their artifact, of the golden.json example whose inputs they receive, and fail on any
/// other input. The inputs must carry the artifact's tensor names in order; int32 data must equal the golden
/// inputs, float32 data be within 1e-6.
final class GoldenReplay: ModelRunnerFactory {
    /// One golden example: its model inputs flattened row-major, in manifest.input_names order, and the
    /// expected logits of each artifact file.
    struct Example {
        var inputs: [[Double]]
        var logits: [String: [Double]]
    }

    let format = "tflite"
    let examples: [Example]
    /// How many times a runner ran.
    private(set) var calls = 0

    init(_ examples: [Example]) { self.examples = examples }

    static func intent() throws -> GoldenReplay {
        GoldenReplay(try Fixtures.intentGolden().examples.map {
            Example(inputs: [$0.ids.flatMap { $0 }.map(Double.init)], logits: $0.expected.mapValues(\.logits))
        })
    }

    static func profile() throws -> GoldenReplay { try profile(named: "profile") }

    static func profile(named name: String) throws -> GoldenReplay {
        GoldenReplay(try Fixtures.profileGolden(name).examples.map {
            let x = $0.inputs
            return Example(inputs: [x.cat.flatMap { $0 }.map(Double.init), x.num.flatMap { $0 }, x.static],
                           logits: $0.expected.mapValues(\.logits))
        })
    }

    /// Runs `check` with a new replay for the fp32 and the int8 `tflite` artifact; each golden example must run once.
    static func forEachPrecision(_ make: () throws -> GoldenReplay,
                                 _ check: (_ precision: String, _ file: String, GoldenReplay) throws -> Void) throws {
        for (precision, file) in [("fp32", "model.tflite"), ("int8", "model.int8.tflite")] {
            let replay = try make()
            try check(precision, file, replay)
            XCTAssertEqual(replay.calls, replay.examples.count, "\(file): one run per golden example")
        }
    }

    func create(bundle: FinliteBundle, artifact: Manifest.Artifact) throws -> ModelRunner {
        Runner(replay: self, artifact: artifact)
    }

    private struct Runner: ModelRunner {
        let replay: GoldenReplay
        let artifact: Manifest.Artifact

        func run(_ inputs: [ModelInput]) throws -> [Float] {
            replay.calls += 1
            XCTAssertEqual(inputs.map(\.tensorName), artifact.inputs.map(\.name))
            guard let example = replay.examples.first(where: { Self.same($0.inputs, inputs) }),
                  let logits = example.logits[artifact.file] else {
                throw FinliteError.invalid("replay: the runner received inputs that match no golden example")
            }
            return logits.map { Float($0) }
        }

        static func same(_ expected: [[Double]], _ actual: [ModelInput]) -> Bool {
            expected.count == actual.count && zip(expected, actual).allSatisfy { want, input in
                switch input {
                case .ints(_, let data): return want.count == data.count && zip(want, data).allSatisfy { $0 == Double($1) }
                case .floats(_, let data): return want.count == data.count && zip(want, data).allSatisfy { abs($0 - Double($1)) <= 1e-6 }
                }
            }
        }
    }
}

extension XCTestCase {
    /// A copy of the `task` test bundle in a temporary folder, removed after the test.
    func copyOfBundle(_ task: String) throws -> URL {
        let src = try Fixtures.bundle(task).directory
        let dst = FileManager.default.temporaryDirectory.appendingPathComponent("finlite-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: src, to: dst)
        addTeardownBlock { try? FileManager.default.removeItem(at: dst) }
        return dst
    }
}

/// Code points of a string (Swift's `==` on String compares canonical equivalence, not code points).
func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

/// Equal row-major int32 matrices, or one short failure naming the count and the first differing (row, column).
func assertSameIds(_ got: [Int32], _ want: [Int32], _ label: String, columns: Int = 32,
                   file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, "\(label): id matrix size", file: file, line: line)
    let diff = got.indices.filter { $0 < want.count && got[$0] != want[$0] }
    if let i = diff.first {
        XCTFail("\(label): \(diff.count) ids differ, first at row \(i / columns) column \(i % columns): "
                + "\(got[i]) instead of \(want[i])", file: file, line: line)
    }
}

/// Floats within 1e-6 of the expected values (the golden files' float tolerance).
func assertClose(_ got: [Float], _ want: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, message, file: file, line: line)
    let bad = zip(got, want).enumerated().filter { abs(Double($0.element.0) - $0.element.1) > 1e-6 }
    XCTAssertTrue(bad.isEmpty, "\(message): \(bad.count) values differ, first at flat index \(bad.first?.offset ?? -1): "
                  + "\(bad.first.map { "\($0.element.0) vs \($0.element.1)" } ?? "")", file: file, line: line)
}
