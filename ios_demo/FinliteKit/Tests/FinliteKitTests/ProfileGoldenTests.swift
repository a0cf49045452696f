import Foundation
import XCTest
@testable import FinliteKit

/// The profile bundle's golden.json: FinliteKit parses the raw rows and must produce exactly `cat` and
/// `num` / `static` within 1e-6, and the same stage, tag scores and top products from every artifact's logits.
final class ProfileGoldenTests: XCTestCase {
    func testGoldenExamplesCoverTheEdgeCases() throws {
        let golden = try Fixtures.profileGolden()
        let names = Set(golden.examples.map(\.name))
        for name in ["no_events", "no_attributes", "one_event", "over_max_events", "held_out"] {
            XCTAssertTrue(names.contains(name), "golden.json lacks case \(name)")
        }
        let spec = try Fixtures.bundle("profile").profileSpec()
        XCTAssertTrue(golden.examples.contains { $0.events.count > spec.maxEvents }, "no user with more than max_events events")
    }

    func testInputsMatchForEveryExample() throws {
        let bundle = try Fixtures.bundle("profile")
        let encoder = try ProfileEncoder(spec: bundle.profileSpec())
        let n = encoder.spec.maxEvents
        for ex in try Fixtures.profileGolden().examples {
            let got = try encoder.encode(rows: ex.events, attributes: ex.attributes, asOfMs: ex.as_of_ms)
            let label = "\(ex.name) \(ex.user_id)"
            XCTAssertEqual(ex.inputs.cat.count, n)
            assertSameIds(got.cat, ex.inputs.cat.flatMap { $0 }, "\(label): cat", columns: ProfileSpec.catFeatures)
            assertClose(got.num, ex.inputs.num.flatMap { $0 }, "\(label): num")
            assertClose(got.statics, ex.inputs.static, "\(label): static")
        }
    }

    func testPostprocessingOfEveryArtifactsLogits() throws {
        let bundle = try Fixtures.bundle("profile")
        let rule = try bundle.profilePostprocess()
        let golden = try Fixtures.profileGolden()
        XCTAssertEqual(rule, golden.postprocess)
        for ex in golden.examples {
            for (artifact, want) in ex.expected {
                let got = try Postprocess.profile(logits: want.logits.map { Float($0) }, rule: rule)
                let label = "\(ex.user_id), \(artifact)"
                XCTAssertEqual(got.stage, want.stage, "\(label): stage")
                XCTAssertEqual(Set(got.stageProbs.keys), Set(want.stage_probs.keys))
                for (k, v) in want.stage_probs { XCTAssertEqual(Double(got.stageProbs[k] ?? -1), v, accuracy: 1e-6, "\(label): \(k)") }
                XCTAssertEqual(Set(got.tags.keys), Set(want.tags.keys))
                for (k, v) in want.tags { XCTAssertEqual(Double(got.tags[k] ?? -1), v, accuracy: 1e-6, "\(label): tag \(k)") }
                XCTAssertEqual(got.topProducts.map(\.label), want.top_products.map(\.product), "\(label): top products")
                XCTAssertEqual(got.topProducts.map(\.index), want.top_products.map(\.index))
                for (p, q) in zip(got.topProducts, want.top_products) { XCTAssertEqual(Double(p.prob), q.prob, accuracy: 1e-6) }
            }
        }
    }

    func testScorerWiresParserEncoderRunnerAndPostprocessing() throws {
        let bundle = try Fixtures.bundle("profile")
        for ex in try Fixtures.profileGolden().examples.prefix(5) {
            guard let want = ex.expected["model.tflite"] else { return XCTFail("no model.tflite expectation") }
            let spec = try bundle.profileSpec()
            let golden = ProfileInputs(cat: ex.inputs.cat.flatMap { $0 }, num: ex.inputs.num.flatMap { $0 }.map { Float($0) },
                                       statics: ex.inputs.static.map { Float($0) })
            let scorerForInputs = try ProfileScorer(bundle: bundle, runner: ReplayRunner(expectedInputs: [], logits: []))
            XCTAssertEqual(scorerForInputs.encoder.spec, spec)
            let runner = ReplayRunner(expectedInputs: scorerForInputs.inputs(golden), logits: want.logits.map { Float($0) })
            let (result, _) = try ProfileScorer(bundle: bundle, runner: runner).score(events: ex.events, attributes: ex.attributes, asOfMs: ex.as_of_ms)
            XCTAssertEqual(result.stage, want.stage, ex.user_id)
            XCTAssertEqual(result.topProducts.map(\.label), want.top_products.map(\.product), ex.user_id)
        }
    }

    /// The bundle's column descriptions agree with FinliteKit's built-in finlite.events/1 schema.
    func testPreprocessTensorsAgreeWithTheSchema() throws {
        struct Column: Decodable { var name: String; var vocabulary: [String: Int32]? }
        struct Input: Decodable { var name: String; var columns: [Column] }
        struct Tensors: Decodable { var inputs: [Input] }
        struct Preprocess: Decodable { var tensors: Tensors }
        let bundle = try Fixtures.bundle("profile")
        let t = try Fixtures.decode(Preprocess.self, bundle.url(bundle.manifest.preprocessFile)).tensors
        XCTAssertEqual(t.inputs.map(\.name), bundle.manifest.inputNames)
        let cat = t.inputs[0].columns
        func vocab(_ values: [String]) -> [String: Int32] {
            var v: [String: Int32] = ["<pad>": 0, "<oov>": 1]
            for (i, x) in values.enumerated() { v[x] = Int32(i + 2) }
            return v
        }
        XCTAssertEqual(cat.map(\.name), ["event_type", "page", "product", "hour"])
        XCTAssertEqual(cat[0].vocabulary, vocab(EventSchema.eventTypes))
        XCTAssertEqual(cat[1].vocabulary, vocab(EventSchema.pages))
        XCTAssertEqual(cat[2].vocabulary, vocab(EventSchema.products))
        XCTAssertEqual(t.inputs[1].columns.count, ProfileSpec.numFeatures)
        let statics = t.inputs[2].columns.map(\.name)
        XCTAssertEqual(statics.count, ProfileSpec.staticFeatures)
        XCTAssertEqual(statics.filter { $0.hasPrefix("aum_") }, ["aum_missing", "aum_oov"] + EventSchema.aumBuckets.map { "aum_" + $0 })
        XCTAssertEqual(statics.filter { $0.hasPrefix("holds_") }, EventSchema.products.map { "holds_" + $0 })
        XCTAssertEqual(Array(statics.suffix(3)), ["log_recency", "no_events", "event_count"])
    }

    private func assertClose(_ got: [Float], _ want: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, message, file: file, line: line)
        let bad = zip(got, want).enumerated().filter { abs(Double($0.element.0) - $0.element.1) > 1e-6 }
        XCTAssertTrue(bad.isEmpty, "\(message): \(bad.count) values differ, first at flat index \(bad.first?.offset ?? -1): "
                      + "\(bad.first.map { "\($0.element.0) vs \($0.element.1)" } ?? "")", file: file, line: line)
    }
}
