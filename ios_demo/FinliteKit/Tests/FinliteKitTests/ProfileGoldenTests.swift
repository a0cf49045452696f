import Foundation
import XCTest
@testable import FinliteKit

/// Each profile bundle's golden.json: FinliteKit parses the raw rows and must produce exactly `cat` and
/// `num` / `static` within 1e-6, and the same stage, tag scores and top products from every artifact's logits.
final class ProfileGoldenTests: XCTestCase {
    /// The synthetic bank's bundle, and another bank's (renamed values and columns, two extra event fields,
    /// 3 tags, 4 stages, 70 % non-buyers; tests/mobile/make_bundles.py): the same code reads both from preprocess.json.
    static let bundles = ["profile", "profile_other"]

    func testGoldenExamplesCoverTheEdgeCases() throws {
        for name in Self.bundles {
            let golden = try Fixtures.profileGolden(name)
            XCTAssertEqual(golden.format, Formats.golden)
            let names = Set(golden.examples.map(\.name))
            for edge in ["no_events", "no_attributes", "one_event", "over_max_events", "held_out"] {
                XCTAssertTrue(names.contains(edge), "\(name) golden.json lacks case \(edge)")
            }
            let spec = try XCTUnwrap(Fixtures.bundle(name).profileSpec)
            XCTAssertTrue(golden.examples.contains { $0.events.count > spec.maxEvents }, "no user with more than max_events events")
        }
    }

    func testInputsMatchForEveryExample() throws {
        for name in Self.bundles {
            let bundle = try Fixtures.bundle(name)
            let parser = try XCTUnwrap(bundle.rowParser)
            let encoder = try XCTUnwrap(bundle.profileEncoder)
            let spec = encoder.spec
            for ex in try Fixtures.profileGolden(name).examples {
                let got = encoder.encode(events: try ex.events.map(parser.event), attributes: try ex.attributes.map(parser.attributes),
                                         asOfMs: ex.as_of_ms)
                let label = "\(ex.name) \(ex.user_id)"
                XCTAssertEqual(ex.inputs.cat.count, spec.maxEvents)
                assertSameIds(got.cat, ex.inputs.cat.flatMap { $0 }, "\(label): cat", columns: spec.catFeatures)
                assertClose(got.num, ex.inputs.num.flatMap { $0 }, "\(label): num")
                assertClose(got.static, ex.inputs.static, "\(label): static")
            }
        }
    }

    func testPostprocessingOfEveryArtifactsLogits() throws {
        for name in Self.bundles {
            let bundle = try Fixtures.bundle(name)
            let rule = try XCTUnwrap(bundle.profilePostprocess)
            let golden = try Fixtures.profileGolden(name)
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
                    for (p, q) in zip(got.topProducts, want.top_products) {
                        XCTAssertEqual(Double(p.prob), q.prob, accuracy: 1e-6)
                        XCTAssertEqual(Double(p.propensity), q.propensity, accuracy: 1e-6, "\(label): propensity")
                    }
                    XCTAssertEqual(got.buyProb, want.buy_prob, accuracy: 1e-6, "\(label): buy_prob")
                }
            }
        }
    }

    /// The schema FinliteKit reads is preprocess.json's own: its stages, tags and products are the heads' labels,
    /// and the tensor columns the spec implies are the ones `tensors` lists (finlite-core asserts the same).
    func testSchemaAgreesWithTheHeadsAndTheTensorDescription() throws {
        for name in Self.bundles {
            let bundle = try Fixtures.bundle(name)
            let spec = try XCTUnwrap(bundle.profileSpec)
            let rule = try XCTUnwrap(bundle.profilePostprocess)
            XCTAssertEqual(rule.lifecycle.labels, spec.schema.stages)
            XCTAssertEqual(rule.tags.labels, spec.schema.tags)
            XCTAssertEqual(rule.products.labels, spec.schema.products)
            let tensors = try Fixtures.profileTensors(name)
            XCTAssertEqual(tensors.inputs.map(\.name), bundle.manifest.inputNames)
            XCTAssertEqual(tensors.inputs[0].columns.map(\.name), spec.schema.eventCategoricals.map(\.name) + ["hour"])
            XCTAssertEqual(tensors.inputs[0].columns.compactMap(\.vocab_size), spec.catVocabs)
            XCTAssertEqual(tensors.inputs.map(\.columns.count), [spec.catFeatures, spec.numFeatures, spec.staticFeatures])
        }
    }
}
