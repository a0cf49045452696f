import Foundation
import XCTest
@testable import FinliteKit

final class PostprocessTests: XCTestCase {
    let labels = ["a", "b", "c", "out_of_scope"]

    func testTopKTiesGoToTheLowerIndex() {
        XCTAssertEqual(Postprocess.topIndices([0.2, 0.3, 0.3, 0.2], k: 3), [1, 2, 0])
        XCTAssertEqual(Postprocess.argmax([1, 3, 3]), 1)
    }

    func testOutOfScopeThreshold() {
        let confident = Postprocess.intent(logits: [4, 0, 0, 0], labels: labels,
                                           rule: IntentPostprocess(topK: 2, oosThreshold: 0.5, oosLabel: "out_of_scope"))
        XCTAssertEqual(confident.label, "a")
        XCTAssertFalse(confident.outOfScope)
        XCTAssertEqual(confident.topK.map(\.index), [0, 1])
        let flat = Postprocess.intent(logits: [0.1, 0, 0, 0], labels: labels,
                                      rule: IntentPostprocess(topK: 3, oosThreshold: 0.5, oosLabel: "out_of_scope"))
        XCTAssertEqual(flat.label, "out_of_scope")
        XCTAssertTrue(flat.outOfScope)
        XCTAssertEqual(flat.topK[0].label, "a", "top-k still lists the best in-scope labels")
        let absent = Postprocess.intent(logits: [0, 0], labels: ["x", "y"],
                                        rule: IntentPostprocess(topK: 3, oosThreshold: 0.9, oosLabel: "unknown"))
        XCTAssertEqual(absent.label, "unknown", "a model without the OOS label still answers it")
        XCTAssertEqual(absent.topK.count, 2)
    }

    func testSoftmaxAndSigmoidAreStable() {
        let p = Postprocess.softmax([1000, 1000, -1000][...])
        XCTAssertEqual(p[0], 0.5, accuracy: 1e-7)
        XCTAssertEqual(p[2], 0)
        XCTAssertEqual(Postprocess.sigmoid(0), 0.5)
        XCTAssertEqual(Postprocess.sigmoid(-800), 0, accuracy: 1e-300)
        XCTAssertEqual(Postprocess.sigmoid(800), 1)
    }

    func testProfileHeadsAreValidated() {
        let rule = ProfilePostprocess(heads: [
            "lifecycle": .init(columns: [0, 2], labels: ["x", "y"], topK: nil),
            "tags": .init(columns: [2, 3], labels: ["t"], topK: nil),
            "products": .init(columns: [3, 5], labels: ["p", "q"], topK: 1),
        ])
        let r = try? Postprocess.profile(logits: [0, 1, 0, 2, 3], rule: rule)
        XCTAssertEqual(r?.stage, "y")
        XCTAssertEqual(r?.tags["t"], 0.5)
        XCTAssertEqual(r?.topProducts.map(\.label), ["q"])
        XCTAssertThrowsError(try Postprocess.profile(logits: [0, 1, 0], rule: rule), "too few logits")
    }
}
