#if os(Linux)
import Foundation
import XCTest
@testable import FinliteKit

/// Every artifact (fp32 + int8, TFLite through LiteRT's C API, ONNX through ONNX Runtime's C API) of the test bundles
/// on every golden example: the logits are within golden.json's tolerance of the expected ones and the top-1 (intent:
/// all columns; profile: the lifecycle columns) is the expected one; the pipelines give golden.json's labels / stages.
/// finlite-jvm's NativeGoldenTest makes the same checks from Kotlin.
final class NativeGoldenTests: XCTestCase {
    func testEveryArtifactMatchesEveryGolden() throws {
        for (name, replay) in [("intent", try GoldenReplay.intent()), ("profile", try GoldenReplay.profile()),
                               ("profile_other", try GoldenReplay.profile(named: "profile_other"))] {
            let bundle = try Fixtures.bundle(name)
            let checks = try GoldenTolerances.of(name)
            XCTAssertEqual(bundle.manifest.artifacts.count, 4, "\(name): 4 artifacts")
            for artifact in bundle.manifest.artifacts {
                let atol = try XCTUnwrap(checks.tolerances[artifact.file]).logits_atol
                let runner = try NativeRuntimes.factory(artifact.format).create(bundle: bundle, artifact: artifact)
                var maxDiff = 0.0
                for (n, example) in replay.examples.enumerated() {
                    let got = try runner.run(NativeRuntimes.inputs(example.inputs, artifact)).map(Double.init)
                    let want = try XCTUnwrap(example.logits[artifact.file])
                    XCTAssertEqual(got.count, want.count, "\(name) \(artifact.file) example \(n): logits")
                    guard got.count == want.count else { continue }
                    maxDiff = zip(got, want).reduce(maxDiff) { max($0, abs($1.0 - $1.1)) }
                    let columns = checks.top1.columns.map { $0[0]..<$0[1] } ?? 0..<want.count
                    XCTAssertEqual(argmax(got, columns), argmax(want, columns), "\(name) \(artifact.file) example \(n): top-1")
                }
                XCTAssertLessThanOrEqual(maxDiff, atol, "\(name) \(artifact.file): max |Δ logits|")
                print("NativeGoldenTests: \(name) \(artifact.file) (\(artifact.format)/\(artifact.precision)): "
                      + "\(replay.examples.count) goldens, max |Δ logits| \(maxDiff) (tolerance \(atol))")
            }
        }
    }

    func testIntentPipelineGivesTheGoldenLabels() throws {
        let bundle = try Fixtures.bundle("intent")
        let examples = try Fixtures.intentGolden().examples
        for artifact in bundle.manifest.artifacts {
            let classifier = try IntentClassifier(bundle: bundle, factory: NativeRuntimes.factory(artifact.format), precision: artifact.precision)
            for e in examples {
                let want = try XCTUnwrap(e.expected[artifact.file]).label
                XCTAssertEqual(try classifier.classify(e.text).result.label, want, "\(artifact.file): \(String(e.text.prefix(30)).debugDescription)")
            }
        }
    }

    func testProfilePipelineGivesTheGoldenStagesTagsAndProducts() throws {
        for name in ProfileGoldenTests.bundles {
            let bundle = try Fixtures.bundle(name)
            for artifact in bundle.manifest.artifacts {
                let scorer = try ProfileScorer(bundle: bundle, factory: NativeRuntimes.factory(artifact.format), precision: artifact.precision)
                for e in try Fixtures.profileGolden(name).examples {
                    let got = try scorer.score(events: e.events, attributes: e.attributes, asOfMs: e.as_of_ms).result
                    let want = try XCTUnwrap(e.expected[artifact.file])
                    XCTAssertEqual(got.stage, want.stage, "\(name) \(artifact.file): \(e.name)")
                    XCTAssertEqual(Set(got.tags.keys), Set(want.tags.keys), "\(name) \(artifact.file): \(e.name) tags")
                    XCTAssertEqual(got.topProducts.map(\.product), want.top_products.map(\.product), "\(name) \(artifact.file): \(e.name) products")
                }
            }
        }
    }
}
#endif
