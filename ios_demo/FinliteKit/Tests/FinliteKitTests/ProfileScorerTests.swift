import Foundation
import XCTest
@testable import FinliteKit

/// ProfileScorer with a `GoldenReplay` runtime: from golden.json's raw rows it feeds the artifact exactly the
/// golden `cat`, `num` and `static` under the artifact's tensor names, and decodes the replayed logits into
/// golden.json's stage, tags and top products (finlite-core's ProfileScorerTest: the same cases).
final class ProfileScorerTests: XCTestCase {
    func testScoresEveryGoldenUserLikeTheGoldenFile() throws {
        let bundle = try Fixtures.bundle("profile")
        let examples = try Fixtures.profileGolden().examples
        try GoldenReplay.forEachPrecision(GoldenReplay.profile) { precision, file, replay in
            let scorer = try ProfileScorer(bundle: bundle, factory: replay, precision: precision)
            XCTAssertEqual(scorer.artifact.file, file)
            for ex in examples {
                let timed = try scorer.score(events: ex.events, attributes: ex.attributes, asOfMs: ex.as_of_ms)
                let got = timed.result
                let want = try XCTUnwrap(ex.expected[file], "golden.json has no \(file) expectation")
                let what = "\(file), \(ex.name)"
                XCTAssertEqual(got.stage, want.stage, what)
                XCTAssertEqual(Set(got.tags.keys), Set(want.tags.keys), what)
                for (tag, score) in want.tags { XCTAssertEqual(got.tags[tag] ?? -1, score, accuracy: 1e-9, "\(what): tag \(tag)") }
                XCTAssertEqual(got.topProducts.map(\.product), want.top_products.map(\.product), what)
                XCTAssertTrue(timed.preprocessMs >= 0 && timed.inferenceMs >= 0, what)
            }
        }
    }

    /// The replay answers only inputs equal to a golden example's, so a state that scores at all encoded exactly.
    func testAStreamingStateScoresEveryGoldenUserLikeTheGoldenFile() throws {
        let bundle = try Fixtures.bundle("profile")
        let examples = try Fixtures.profileGolden().examples
        try GoldenReplay.forEachPrecision(GoldenReplay.profile) { precision, file, replay in
            let scorer = try ProfileScorer(bundle: bundle, factory: replay, precision: precision)
            for ex in examples {
                var state = try scorer.newState()
                try state.setAttributes(row: ex.attributes)
                // a row after as_of is one the batch encoder ignores; the app would not have seen it yet
                for row in ex.events where try Timestamps.parse(row["timestamp"] ?? "") <= ex.as_of_ms { try state.update(row: row) }
                let got = try scorer.score(state: state, asOfMs: ex.as_of_ms).result
                let want = try XCTUnwrap(ex.expected[file])
                XCTAssertEqual(got.stage, want.stage, "\(file), \(ex.name)")
                XCTAssertEqual(got.topProducts.map(\.product), want.top_products.map(\.product), "\(file), \(ex.name)")
            }
        }
    }

    func testRefusesAnIntentBundle() throws {
        XCTAssertThrowsError(try ProfileScorer(bundle: Fixtures.bundle("intent"), factory: GoldenReplay([]), precision: "fp32")) {
            XCTAssertTrue("\($0)".contains("task \"intent\", expected a profile bundle"), "\($0)")
        }
    }
}
