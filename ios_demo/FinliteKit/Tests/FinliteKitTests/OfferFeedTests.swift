import Foundation
import XCTest
@testable import FinliteKit

/// The demo's offer logic on Linux: a cap holds across a restart (the log reloaded from its file), "reset my
/// profile" lifts it, and the card shows the offer's why with the conditions it passed.
final class OfferFeedTests: XCTestCase {
    func testCapsHoldAcrossARestartAndResetLiftsThem() throws {
        let schema = try JSONDecoder().decode(ProfileSchema.self, from: try Data(contentsOf: Fixtures.goldenDir.appendingPathComponent("triggers/schema.json")))
        let scenario = try StrictJSON.parse(try Data(contentsOf: Fixtures.goldenDir.appendingPathComponent("policy/scenarios/31_reset_my_profile.json")))
        let policy = try Policy.parse(scenario["policy"]!, schema: schema)  // a global cap of 1 a day
        let request = scenario["steps"]!.arrayValue![0]["decide"]!
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("offers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }

        let first = try OfferStore(directory: dir, device: "phone-a")
        let shown = try PolicyEngine(policy: policy, schema: schema, log: first.log).decide(request)
        try first.saveLog()
        XCTAssertEqual(shown["offers"]!.arrayValue!.count, 1)
        let card = OfferFeed.card(shown)
        XCTAssertTrue(card.contains(shown["offers"]!.arrayValue![0]["why"]!.stringValue!), card)
        XCTAssertTrue(card.contains("risk level 2 ≤ your declared 3"), card)

        let restarted = try OfferStore(directory: dir, device: "phone-a")  // the app restarts: the log comes back
        XCTAssertEqual(restarted.log.count, 1)
        let capped = try PolicyEngine(policy: policy, schema: schema, log: restarted.log).decide(request)
        XCTAssertEqual(capped["offers"]!.arrayValue!.count, 0)
        XCTAssertTrue(OfferFeed.card(capped).hasPrefix("No offer now."))

        try restarted.resetProfile(user: request["user"]!.stringValue!, nowMs: try Timestamps.parse(request["at"]!.stringValue!))
        let again = try OfferStore(directory: dir, device: "phone-a")
        XCTAssertEqual(again.log.map { $0.kind }, ["reset"])
        XCTAssertEqual(try PolicyEngine(policy: policy, schema: schema, log: again.log).decide(request)["offers"]!.arrayValue!.count, 1)
    }
}
