import Foundation
import XCTest
@testable import FinliteKit

/// A correctly signed bundle whose preprocess.json, text spec or profile spec has another `finlite.*` format
/// is refused, naming what it found and what this library reads (finlite-core's BundleFormatTest: same cases,
/// same wording).
final class BundleFormatTests: XCTestCase {
    /// A copy of the `task` bundle with `from` → `to` in preprocess.json and the manifest's sha256 updated.
    private func edited(_ task: String, _ from: String, _ to: String) throws -> URL {
        XCTAssertEqual(from.utf8.count, to.utf8.count, "same length, so that the size in the manifest still holds")
        let dir = try copyOfBundle(task)
        let preprocess = dir.appendingPathComponent("preprocess.json")
        let before = try Data(contentsOf: preprocess)
        let text = String(decoding: before, as: UTF8.self)
        XCTAssertTrue(text.contains(from), "\(from) is not in preprocess.json")
        let after = Data(text.replacingOccurrences(of: from, with: to).utf8)
        try after.write(to: preprocess)
        let manifest = dir.appendingPathComponent(Manifest.file)
        let signed = try String(contentsOf: manifest, encoding: .utf8)
            .replacingOccurrences(of: SHA256.hex(before), with: SHA256.hex(after))
        try signed.write(to: manifest, atomically: true, encoding: .utf8)
        return dir
    }

    func testAnotherFormatIsRefusedNamingIt() throws {
        let edits: [(task: String, from: String, to: String, refusal: String)] = [
            ("intent", Formats.preprocess, "finlite.preprocess/2",
             "preprocess.json: format \"finlite.preprocess/2\", this library reads \(Formats.preprocess)"),
            ("intent", Formats.text, "finlite.text/2", "format \"finlite.text/2\", this library reads \(Formats.text)"),
            ("profile", Formats.profile, "finlite.profile/9", "format \"finlite.profile/9\", this library reads \(Formats.profile)"),
            ("profile", Formats.schema, "finlite.schema/9", "format \"finlite.schema/9\", this library reads \(Formats.schema)"),
        ]
        for e in edits {
            let dir = try edited(e.task, e.from, e.to)
            XCTAssertThrowsError(try FinliteBundle(directory: dir)) {
                XCTAssertTrue("\($0)".contains(e.refusal), "'\($0)' does not contain '\(e.refusal)'")
            }
        }
    }
}
