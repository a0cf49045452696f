import Foundation
import XCTest
@testable import FinliteKit

/// The profile bundle's golden.json: FinliteKit parses the raw rows and must produce exactly `cat` and
/// `num` / `static` within 1e-6, and the same stage, tag scores and top products from every artifact's logits.
final class ProfileGoldenTests: XCTestCase {
    func testGoldenExamplesCoverTheEdgeCases() throws {
        let golden = try Fixtures.profileGolden()
        XCTAssertEqual(golden.format, Formats.golden)
        let names = Set(golden.examples.map(\.name))
        for name in ["no_events", "no_attributes", "one_event", "over_max_events", "held_out"] {
            XCTAssertTrue(names.contains(name), "golden.json lacks case \(name)")
        }
        let spec = try XCTUnwrap(Fixtures.bundle("profile").profileSpec)
        XCTAssertTrue(golden.examples.contains { $0.events.count > spec.maxEvents }, "no user with more than max_events events")
    }

    func testInputsMatchForEveryExample() throws {
        let bundle = try Fixtures.bundle("profile")
        let parser = try XCTUnwrap(bundle.rowParser)
        let encoder = try XCTUnwrap(bundle.profileEncoder)
        let spec = encoder.spec
        for ex in try Fixtures.profileGolden().examples {
            let got = encoder.encode(events: try ex.events.map(parser.event), attributes: try ex.attributes.map(parser.attributes),
                                     asOfMs: ex.as_of_ms)
            let label = "\(ex.name) \(ex.user_id)"
            XCTAssertEqual(ex.inputs.cat.count, spec.maxEvents)
            assertSameIds(got.cat, ex.inputs.cat.flatMap { $0 }, "\(label): cat", columns: spec.catFeatures)
            assertClose(got.num, ex.inputs.num.flatMap { $0 }, "\(label): num")
            assertClose(got.static, ex.inputs.static, "\(label): static")
        }
    }

    func testPostprocessingOfEveryArtifactsLogits() throws {
        let bundle = try Fixtures.bundle("profile")
        let rule = try XCTUnwrap(bundle.profilePostprocess)
        let golden = try Fixtures.profileGolden()
        XCTAssertEqual(try ProfilePostprocess(block: golden.postprocess), rule)
        XCTAssertEqual(rule.outputs, bundle.labels.count)
        for ex in golden.examples {
            for (artifact, want) in ex.expected {
                let got = try rule.decode(want.logits.map { Float($0) })
                let label = "\(ex.user_id), \(artifact)"
                XCTAssertEqual(got.stage, want.stage, "\(label): stage")
                XCTAssertEqual(Set(got.stageProbs.keys), Set(want.stage_probs.keys))
                for (k, v) in want.stage_probs { XCTAssertEqual(Double(got.stageProbs[k] ?? -1), v, accuracy: 1e-6, "\(label): \(k)") }
                XCTAssertEqual(Set(got.tags.keys), Set(want.tags.keys))
                for (k, v) in want.tags { XCTAssertEqual(got.tags[k] ?? -1, v, accuracy: 1e-9, "\(label): tag \(k)") }
                XCTAssertEqual(got.topProducts.map(\.product), want.top_products.map(\.product), "\(label): top products")
                XCTAssertEqual(got.topProducts.map(\.index), want.top_products.map(\.index))
                for (p, q) in zip(got.topProducts, want.top_products) { XCTAssertEqual(Double(p.prob), q.prob, accuracy: 1e-6) }
            }
        }
    }

    /// The vocabularies FinliteKit reads from the `cat` and `static` columns agree with preprocess.json's own
    /// `attribute_vocabularies` and the spec's sizes, ids from 2 without gaps (finlite-core asserts the same).
    func testVocabularyAgreesWithTheAttributeVocabulariesAndTheSpec() throws {
        struct Holdings: Decodable { var order: [String] }
        struct Vocabularies: Decodable { var aum_bucket: [String: Int32]; var holdings: Holdings }
        struct Tensors: Decodable { var attribute_vocabularies: Vocabularies }
        struct Preprocess: Decodable { var tensors: Tensors }
        let bundle = try Fixtures.bundle("profile")
        let v = try XCTUnwrap(bundle.rowParser).vocabulary
        let spec = try XCTUnwrap(bundle.profileSpec)
        let attrs = try Fixtures.decode(Preprocess.self, bundle.url(bundle.manifest.preprocessFile)).tensors.attribute_vocabularies
        XCTAssertEqual(v.aumBuckets, attrs.aum_bucket.filter { $0.key != "<pad>" && $0.key != "<oov>" })
        XCTAssertEqual(v.holdingProducts, attrs.holdings.order)
        for (vocab, size) in [(v.eventTypes, spec.eventTypeVocab), (v.pages, spec.pageVocab), (v.products, spec.productVocab)] {
            XCTAssertEqual(vocab.values.sorted(), Array((ProfileVocabulary.oovId + 1)..<Int32(size)))
        }
        let tensors = try Fixtures.profileTensors()
        XCTAssertEqual(tensors.inputs.map(\.name), bundle.manifest.inputNames)
        XCTAssertEqual(tensors.inputs[0].columns.map(\.name), ["event_type", "page", "product", "hour"])
        XCTAssertEqual(tensors.inputs[1].columns.count, spec.numFeatures)
        XCTAssertEqual(tensors.inputs[2].columns.map(\.name), try Fixtures.staticColumns(), "the static layout of tests/golden/profile_v1.json")
    }

    private func assertClose(_ got: [Float], _ want: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, message, file: file, line: line)
        let bad = zip(got, want).enumerated().filter { abs(Double($0.element.0) - $0.element.1) > 1e-6 }
        XCTAssertTrue(bad.isEmpty, "\(message): \(bad.count) values differ, first at flat index \(bad.first?.offset ?? -1): "
                      + "\(bad.first.map { "\($0.element.0) vs \($0.element.1)" } ?? "")", file: file, line: line)
    }
}
