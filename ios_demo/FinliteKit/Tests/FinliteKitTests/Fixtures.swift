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

    /// The project's own golden files (text_v1.json, profile_v1.json): FINLITE_GOLDEN_DIR or tests/golden.
    static var goldenDir: URL {
        if let env = ProcessInfo.processInfo.environment["FINLITE_GOLDEN_DIR"] { return URL(fileURLWithPath: env) }
        return packageDir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tests/golden")
    }

    static var textGolden: URL { goldenDir.appendingPathComponent("text_v1.json") }
    static var profileEncoderGolden: URL { goldenDir.appendingPathComponent("profile_v1.json") }

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

    static func profileGolden() throws -> ProfileGolden {
        let b = try bundle("profile")
        return try cached("golden/profile") { try decode(ProfileGolden.self, b.url(b.manifest.goldenFile)) }
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

/// An intent bundle's golden.json (`finlite.golden/1`).
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
    var postprocess: IntentPostprocess
    var examples: [Example]
}

/// A profile bundle's golden.json (`finlite.golden/1`).
struct ProfileGolden: Decodable {
    struct Inputs: Decodable {
        var cat: [[Int32]]
        var num: [[Double]]
        var `static`: [Double]
    }
    struct Product: Decodable { var product: String; var index: Int; var prob: Double }
    struct Expected: Decodable {
        var logits: [Double]
        var stage: String
        var stage_probs: [String: Double]
        var tags: [String: Double]
        var top_products: [Product]
    }
    struct Example: Decodable {
        var name: String
        var user_id: String
        var as_of_ms: Int64
        var events: [EventRow]
        var attributes: AttributeRow?
        var inputs: Inputs
        var expected: [String: Expected]
    }
    var format: String
    var task: String
    var postprocess: ProfilePostprocess
    var examples: [Example]
}

/// A `ModelRunner` that answers with golden logits when (and only when) it receives the golden inputs
/// (names, shapes and int32 values equal; float32 values within 1e-6).
struct ReplayRunner: ModelRunner {
    var expectedInputs: [InputTensor]
    var logits: [Float]

    func run(_ inputs: [InputTensor]) throws -> [Float] {
        guard inputs.count == expectedInputs.count, zip(inputs, expectedInputs).allSatisfy(Self.matches) else {
            throw FinliteError.invalid("replay runner: inputs differ from the golden inputs")
        }
        return logits
    }

    static func matches(_ a: InputTensor, _ b: InputTensor) -> Bool {
        switch (a, b) {
        case (.int32, .int32): return a == b
        case let (.float32(n1, s1, v1), .float32(n2, s2, v2)):
            return n1 == n2 && s1 == s2 && v1.count == v2.count && zip(v1, v2).allSatisfy { abs($0 - $1) <= 1e-6 }
        default: return false
        }
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
