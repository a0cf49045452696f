import Foundation
import XCTest
@testable import FinliteKit

/// IntentClassifier with a `GoldenReplay` runtime: it feeds the artifact exactly the golden `ids` under the
/// artifact's tensor name, and decodes the replayed logits into golden.json's label and top-k
/// (finlite-core's IntentClassifierTest: the same cases).
final class IntentClassifierTests: XCTestCase {
    func testClassifiesEveryGoldenTextLikeTheGoldenFile() throws {
        let bundle = try Fixtures.bundle("intent")
        let examples = try Fixtures.intentGolden().examples
        try GoldenReplay.forEachPrecision(GoldenReplay.intent) { precision, file, replay in
            let classifier = try IntentClassifier(bundle: bundle, factory: replay, precision: precision)
            XCTAssertEqual(classifier.artifact.file, file)
            for ex in examples {
                let timed = try classifier.classify(ex.text)
                let want = try XCTUnwrap(ex.expected[file], "golden.json has no \(file) expectation")
                let what = "\(file), \(String(ex.text.prefix(30)).debugDescription)"
                XCTAssertEqual(timed.result.text.map(scalars), scalars(ex.text), what)
                XCTAssertEqual(timed.result.label, want.label, what)
                XCTAssertEqual(timed.result.topK.map(\.label), want.top_k.map(\.label), what)
                XCTAssertTrue(timed.preprocessMs >= 0 && timed.inferenceMs >= 0, what)
            }
        }
    }

    func testRefusesAProfileBundle() throws {
        XCTAssertThrowsError(try IntentClassifier(bundle: Fixtures.bundle("profile"), factory: GoldenReplay([]), precision: "fp32")) {
            XCTAssertTrue("\($0)".contains("task \"profile\", expected an intent bundle"), "\($0)")
        }
    }

    func testAnUnknownPrecisionNamesTheArtifacts() throws {
        XCTAssertThrowsError(try IntentClassifier(bundle: Fixtures.bundle("intent"), factory: GoldenReplay([]), precision: "fp16")) {
            XCTAssertTrue("\($0)".contains("no tflite/fp16 artifact (has: onnx/fp32, tflite/fp32"), "\($0)")
        }
    }
}
