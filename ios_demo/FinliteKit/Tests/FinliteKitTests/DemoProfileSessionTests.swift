// The iOS demo's Profile screen without the UI (DemoProfileSession, as FinliteDemo's DemoModel runs it) on the
// profile test bundle through ONNX Runtime's C API: events are fed once across restarts, the caps of the shipped
// demo policy hold across restarts, and "reset my profile" clears both states and the exposures.
#if os(Linux)
import Foundation
import XCTest
@testable import FinliteKit

final class DemoProfileSessionTests: XCTestCase {
    private let user = "demo_fund_investor"
    private let t0: Int64 = 1_780_000_000_000  // 2026-05-28, 22:26 in Berlin
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-profile-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The session with the shipped trigger spec and demo policy; `byValue` ranks by value alone, so what is offered
    /// does not depend on the test bundle's (tiny) model.
    private func session(byValue: Bool) throws -> DemoProfileSession {
        let bundle = try FinliteBundle(directory: Fixtures.bundles.appendingPathComponent("profile"))
        let scorer = try ProfileScorer(bundle: bundle, factory: try NativeRuntimes.factory("onnx"), precision: "fp32")
        var policy = try String(contentsOf: Fixtures.examples.appendingPathComponent("policy/demo_offers.json"), encoding: .utf8)
        if byValue { policy = policy.replacingOccurrences(of: "\"propensity_x_value\"", with: "\"value\"") }
        return try DemoProfileSession(scorer: scorer, bundle: bundle, triggersJSON: try Data(contentsOf: Fixtures.examples.appendingPathComponent("triggers/seeds.json")),
                                      policyJSON: Data(policy.utf8))
    }

    /// One screen refresh after an app (re)start: a new store reads the folder.
    private func refresh(_ s: DemoProfileSession, at ms: Int64) throws -> DemoProfileSession.Answer {
        try s.refresh(.fundInvestor, user: user, store: try OfferStore(directory: dir, device: "ios"), nowMs: ms, zone: "Europe/Berlin")
    }

    private func shownOffers(_ card: String) -> [String] {
        card.split(separator: "\n").filter { $0.hasPrefix("Offer: ") }.map { String($0.dropFirst(7).split(separator: " ")[0]) }
    }

    func testEventsAreFedOnceAndTheCardExplainsTheOffer() throws {
        let s = try session(byValue: false)
        let first = try refresh(s, at: t0)
        XCTAssertNotNil(first.timed)
        XCTAssertEqual(first.newEvents.count, 60)  // the persona's whole built-in history
        XCTAssertEqual(first.stateEvents, 60)
        XCTAssertTrue(first.card.contains("experiment arm: default"), first.card)
        XCTAssertFalse(first.card.contains("equity_fund ("), first.card)  // held by this persona
        let again = try refresh(s, at: t0 + 60_000)
        XCTAssertEqual(again.newEvents.count, 0, "a restart feeds no event twice")
        XCTAssertEqual(again.stateEvents, 60)
    }

    func testTheCapsHoldAcrossRestartsAndResetClearsStatesAndExposures() throws {
        let s = try session(byValue: true)
        var shown: [String] = []
        for k in 0..<4 { shown += shownOffers(try refresh(s, at: t0 + Int64(k) * 60_000).card) }
        XCTAssertEqual(shown.count, 3, "the demo policy's global cap is 3 a day: \(shown)")
        XCTAssertEqual(Set(shown).count, 3, "each offer at most once a day: \(shown)")
        XCTAssertFalse(shown.contains("bond_fund"), "fund_bond is held")

        let store = try OfferStore(directory: dir, device: "ios")
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.triggerStateURL.path))
        try store.resetProfile(user: user, nowMs: t0 + 300_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.profileStateURL.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.triggerStateURL.path))

        let after = try refresh(s, at: t0 + 360_000)
        XCTAssertNil(after.timed, "the built-in history is older than the reset: nothing to score")
        XCTAssertEqual(after.stateEvents, 0)
        XCTAssertEqual(after.newEvents.count, 0)
        XCTAssertEqual(shownOffers(after.card).count, 1, "the reset erased today's exposures: \(after.card)")
    }
}
#endif
