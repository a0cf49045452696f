import Foundation
import XCTest
@testable import FinliteKit

/// tests/bundles/invalid/: every broken bundle is refused with the error code finlite's Python reader and
/// finlite-core give (cases.json), in one line; tests/bundles/valid/ is accepted.
final class BundleRulesTests: XCTestCase {
    func testTheValidFixtureIsAccepted() throws {
        let manifest = try BundleVerifier.verify(directory: Fixtures.ruleBundles.appendingPathComponent("valid")).manifest
        XCTAssertEqual(Set(manifest["files"]!.keys), ["labels.txt", "preprocess.json", "golden.json", "model.onnx"])
    }

    func testEveryBrokenBundleIsRefusedWithItsCode() throws {
        let cases = try Fixtures.ruleCases("invalid/cases.json")
        XCTAssertGreaterThanOrEqual(cases.count, 25)
        var wrong: [String] = []
        for c in cases {
            let name = c["name"]!
            do {
                try BundleVerifier.verify(directory: Fixtures.ruleBundles.appendingPathComponent("invalid/\(name)"))
                wrong.append("\(name): accepted")
            } catch FinliteError.bundle(let code, let message) {
                XCTAssertFalse(message.contains("\n"), name)
                if code != c["code"] { wrong.append("\(name): \(code) instead of \(c["code"]!) (\(message))") }
            }
        }
        XCTAssertTrue(wrong.isEmpty, wrong.joined(separator: "\n"))
    }

    func testTheStrictReaderRefusesRepeatedKeysAndKeepsIntegersApart() throws {
        XCTAssertThrowsError(try StrictJSON.parse(Data(#"{"a": 1, "a": 2}"#.utf8)))
        XCTAssertThrowsError(try StrictJSON.parse(Data([0x22, 0xFF, 0x22])))
        let v = try StrictJSON.parse(Data(#"{"i": 31, "f": 31.5, "b": true, "s": "\ud83d\ude00"}"#.utf8))
        XCTAssertEqual(v["i"]?.typeName, "integer")
        XCTAssertEqual(v["f"]?.typeName, "number")
        XCTAssertEqual(v["b"]?.typeName, "boolean")
        XCTAssertEqual(v["s"]?.stringValue, "😀")
    }
}
