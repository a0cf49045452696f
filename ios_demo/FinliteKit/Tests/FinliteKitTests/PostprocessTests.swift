import Foundation
import XCTest
@testable import FinliteKit

/// Hand-made cases for the rules the golden files may not hit: ties, the threshold boundary, extreme logits.
final class PostprocessTests: XCTestCase {
    let labels = ["a", "b", "c", "out_of_scope"]

    func testTopKTiesGoToTheLowerIndex() {
        XCTAssertEqual(Activations.topK([0.2, 0.3, 0.3, 0.2], k: 3), [1, 2, 0])
        XCTAssertEqual(Activations.argmax([1, 3, 3]), 1)
    }

    func testOutOfScopeThreshold() throws {
        let confident = try IntentPostprocess(labels: labels, topK: 2, oosThreshold: 0.5, oosLabel: "out_of_scope")
            .decode([4, 0, 0, 0], text: "t")
        XCTAssertEqual(confident.label, "a")
        XCTAssertEqual(confident.text, "t")
        XCTAssertFalse(confident.isOutOfScope)
        XCTAssertEqual(confident.topK.map(\.index), [0, 1])
        let flat = try IntentPostprocess(labels: labels, topK: 3, oosThreshold: 0.5, oosLabel: "out_of_scope").decode([0.1, 0, 0, 0])
        XCTAssertEqual(flat.label, "out_of_scope")
        XCTAssertTrue(flat.isOutOfScope)
        XCTAssertNil(flat.text)
        XCTAssertEqual(flat.topK[0].label, "a", "top-k still lists the best in-scope labels")
        let absent = try IntentPostprocess(labels: ["x", "y"], topK: 3, oosThreshold: 0.9, oosLabel: "unknown").decode([0, 0])
        XCTAssertEqual(absent.label, "unknown", "a model without the OOS label still answers it")
        XCTAssertEqual(absent.topK.count, 2)
        XCTAssertThrowsError(try IntentPostprocess(labels: labels, topK: 1, oosThreshold: 0, oosLabel: "x").decode([0, 0]), "2 logits, 4 labels")
    }

    func testSoftmaxAndSigmoidAreStable() {
        let p = Activations.softmax([1000, 1000, -1000][...])
        XCTAssertEqual(p[0], 0.5, accuracy: 1e-7)
        XCTAssertEqual(p[2], 0)
        XCTAssertEqual(Activations.sigmoid(0), 0.5)
        XCTAssertEqual(Activations.sigmoid(-800), 0, accuracy: 1e-300)
        XCTAssertEqual(Activations.sigmoid(800), 1)
    }

    func testProfileHeadsAreSlicesOfOneRow() throws {
        let rule = ProfilePostprocess(
            lifecycle: try .init(start: 0, end: 2, labels: ["x", "y"]), tags: try .init(start: 2, end: 3, labels: ["t"]),
            buy: try .init(start: 3, end: 4, labels: ["buy"]), products: try .init(start: 4, end: 6, labels: ["p", "q"]), topK: 1)
        let r = try rule.decode([0, 1, 0, 0, 2, 3])
        XCTAssertEqual(r.buyProb, 0.5, "sigmoid(0)")
        XCTAssertEqual(r.topProducts[0].propensity, 0.5 * r.topProducts[0].prob, accuracy: 1e-7, "P(buy) × P(product | buy)")
        XCTAssertEqual(r.stage, "y")
        XCTAssertEqual(r.tags["t"], 0.5)
        XCTAssertEqual(r.topProducts.map(\.product), ["q"])
        XCTAssertEqual(r.topProducts.map(\.index), [1], "the column within the products head")
        XCTAssertThrowsError(try rule.decode([0, 1, 0, 0]), "too few logits")
        XCTAssertThrowsError(try ProfilePostprocess.Head(start: 0, end: 3, labels: ["x"]), "3 columns, 1 label")
    }
}
