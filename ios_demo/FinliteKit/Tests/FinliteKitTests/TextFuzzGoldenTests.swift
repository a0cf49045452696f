import Foundation
import XCTest
@testable import FinliteKit

/// The project's tests/golden/text_fuzz_v1.json: 10,000 generated hostile strings (lone surrogates, controls,
/// astral emoji, mixed scripts, 10,000-character inputs, …); the SHA-256 of each one's ids (first 16 hex
/// digits of the little-endian int32 id matrix) must match. Lone surrogates arrive as `\udXXX` escapes, which
/// StrictJSON reads as U+FFFD — the encoder's own first step (docs/preprocessing.md §3.1).
final class TextFuzzGoldenTests: XCTestCase {
    private func digest(_ ids: [Int32]) -> String {
        var bytes = Data(capacity: ids.count * 4)
        for id in ids { withUnsafeBytes(of: id.littleEndian) { bytes.append(contentsOf: $0) } }
        return String(SHA256.hex(bytes).prefix(16))
    }

    func testEveryGeneratedStringEncodesToTheSameIds() throws {
        let golden = try StrictJSON.parse(Data(contentsOf: Fixtures.goldenDir.appendingPathComponent("text_fuzz_v1.json")))
        let cases = try XCTUnwrap(golden["cases"]?.arrayValue)
        XCTAssertEqual(cases.count, 10_000)
        let encoder = try TextEncoder(spec: .defaults)
        var wrong: [String] = []
        for (i, c) in cases.enumerated() {
            let text = try XCTUnwrap(c["text"]?.stringValue)
            let repeated = String(repeating: text, count: Int(c["repeat"]?.integerValue ?? 1))
            if digest(encoder.encode(repeated)) != c["sha256"]?.stringValue {
                wrong.append("case \(i): " + text.unicodeScalars.prefix(20).map { String(format: "U+%04X", $0.value) }.joined(separator: " "))
            }
        }
        XCTAssertTrue(wrong.isEmpty, "\(wrong.count) of \(cases.count) differ, first: \(wrong.prefix(5))")
    }
}
