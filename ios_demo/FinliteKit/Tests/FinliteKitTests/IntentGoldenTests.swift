import Foundation
import XCTest
@testable import FinliteKit

/// The intent bundle's golden.json: FinliteKit must produce the same units and ids from the raw texts,
/// and the same probabilities, top-k and answer from every artifact's logits.
final class IntentGoldenTests: XCTestCase {
    func testGoldenExamplesCoverTheEdgeCases() throws {
        let texts = try Fixtures.intentGolden().examples.map(\.text)
        func has(_ what: String, _ p: (String) -> Bool) { XCTAssertTrue(texts.contains(where: p), "golden.json lacks \(what)") }
        func scalarsIn(_ s: String, _ r: ClosedRange<UInt32>) -> Bool { s.unicodeScalars.contains { r.contains($0.value) } }
        has("the empty text") { $0.isEmpty }
        has("whitespace only") { !$0.isEmpty && $0.allSatisfy(\.isWhitespace) }
        has("Chinese only") { !$0.isEmpty && $0.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) } }
        has("English") { $0.hasPrefix("How do I") }
        has("mixed Chinese + Latin") { scalarsIn($0, 0x4E00...0x9FFF) && scalarsIn($0, 0x61...0x7A) && $0.count < 100 }
        has("emoji with ZWJ and skin tone") { scalarsIn($0, 0x200D...0x200D) && scalarsIn($0, 0x1F3FB...0x1F3FF) }
        has("fullwidth characters") { scalarsIn($0, 0xFF01...0xFF5E) }
        has("10,000 characters") { $0.unicodeScalars.count == 10_000 }
    }

    func testUnitsAndIdsMatchForEveryExample() throws {
        let bundle = try Fixtures.bundle("intent")
        let encoder = try XCTUnwrap(bundle.textEncoder)
        let golden = try Fixtures.intentGolden()
        XCTAssertEqual(golden.format, Formats.golden)
        XCTAssertGreaterThanOrEqual(golden.examples.count, 11)
        for (n, ex) in golden.examples.enumerated() {
            let label = "example \(n) \(String(ex.text.prefix(30)).debugDescription)"
            XCTAssertEqual(encoder.units(ex.text).map { scalars($0.string) }, ex.units.map(scalars), "\(label): units")
            assertSameIds(encoder.encode(ex.text), ex.ids.flatMap { $0 }, label)
        }
    }

    func testPostprocessingOfEveryArtifactsLogits() throws {
        let bundle = try Fixtures.bundle("intent")
        let golden = try Fixtures.intentGolden()
        let rule = try XCTUnwrap(bundle.intentPostprocess)
        XCTAssertEqual(try IntentPostprocess(block: golden.postprocess, labels: bundle.labels), rule)
        var outOfScope = 0, inScope = 0
        for (n, ex) in golden.examples.enumerated() {
            XCTAssertEqual(Set(ex.expected.keys), Set(bundle.manifest.artifacts.map(\.file)), "example \(n): artifacts")
            for (artifact, want) in ex.expected {
                let got = try rule.decode(want.logits.map { Float($0) })
                let where_ = "example \(n), \(artifact)"
                XCTAssertEqual(got.probs.count, want.probs.count)
                for (p, q) in zip(got.probs, want.probs) { XCTAssertEqual(Double(p), q, accuracy: 1e-6, where_) }
                XCTAssertEqual(got.topK.map(\.label), want.top_k.map(\.label), "\(where_): top-k labels")
                XCTAssertEqual(got.topK.map(\.index), want.top_k.map(\.index), "\(where_): top-k indices")
                for (p, q) in zip(got.topK, want.top_k) { XCTAssertEqual(Double(p.prob), q.prob, accuracy: 1e-6, where_) }
                XCTAssertEqual(got.label, want.label, "\(where_): answer")
                XCTAssertEqual(got.isOutOfScope, want.probs.max()! < rule.oosThreshold, "\(where_): threshold rule")
                if got.isOutOfScope { outOfScope += 1 } else { inScope += 1 }
            }
        }
        print("intent golden: \(inScope) in-scope and \(outOfScope) out-of-scope answers checked")
    }
}
