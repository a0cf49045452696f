import Foundation
import XCTest
@testable import FinliteKit

/// Manifest reading and sha256 verification: good bundles load; a changed, missing or foreign file is refused
/// with an error that names it.
final class BundleTests: XCTestCase {
    func testTestBundlesLoadAndDescribeThemselves() throws {
        let intent = try Fixtures.bundle("intent")
        XCTAssertEqual(intent.task, "intent")
        XCTAssertEqual(intent.manifest.inputNames, ["ids"])
        XCTAssertTrue(intent.labels.contains(try XCTUnwrap(intent.intentPostprocess).oosLabel))
        XCTAssertEqual(try intent.artifact(format: "tflite", precision: "fp32").inputs.first?.shape, [1, 64, 32])
        XCTAssertNoThrow(try intent.artifact(format: "tflite", precision: "int8"))
        let profile = try Fixtures.bundle("profile")
        XCTAssertEqual(profile.task, "profile")
        XCTAssertEqual(profile.manifest.inputNames, ["cat", "num", "static"])
        XCTAssertEqual(profile.labels.count, 24, "5 stages, 5 tags, buy, 13 products")
        XCTAssertNil(profile.textEncoder)
        XCTAssertNotNil(profile.rowParser)
    }

    func testAChangedFileIsRefusedByName() throws {
        let dir = try copyOfBundle("intent")
        let card = dir.appendingPathComponent("MODEL_CARD.md")  // checked first (files go in name order)
        var data = try Data(contentsOf: card)
        data[0] ^= 0x20  // same size, different content
        try data.write(to: card)
        XCTAssertThrowsError(try FinliteBundle(directory: dir)) { error in
            guard case FinliteError.bundle(let code, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, "file_sha256")
            XCTAssertTrue(message.contains("/MODEL_CARD.md: sha256 does not match"), message)
        }
    }

    func testAMissingFileIsRefusedByName() throws {
        let dir = try copyOfBundle("intent")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("golden.json"))
        XCTAssertThrowsError(try FinliteBundle(directory: dir)) { error in
            XCTAssertEqual(error as? FinliteError, .bundle(code: "file_missing", message: "\(dir.appendingPathComponent("golden.json").path): listed in the manifest but missing"))
        }
    }

    func testAnotherBundleFormatIsRefused() throws {
        let dir = try copyOfBundle("intent")
        let url = dir.appendingPathComponent("manifest.json")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: Formats.bundle, with: "finlite.bundle/2")
        try text.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FinliteBundle(directory: dir)) { error in
            guard case FinliteError.bundle(code: "format_unsupported", _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("manifest.json, field 'format': \"finlite.bundle/2\", this library reads \(Formats.bundle)"), "\(error)")
        }
    }
}
