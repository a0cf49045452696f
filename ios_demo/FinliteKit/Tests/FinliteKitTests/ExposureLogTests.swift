import Foundation
import XCTest
@testable import FinliteKit

/// The exposure log beyond the goldens: JSON lines round-trip, a bad line is named, a conflict is refused,
/// merging in any order or twice gives one log, a reset merged later erases earlier exposures.
final class ExposureLogTests: XCTestCase {
    private func exposure(_ id: String, _ at: Int64, channel: String = "push") -> ExposureEntry {
        ExposureEntry(id: id, kind: "exposure", user: "u1", at: at, offer: "o1", category: "c1", channel: channel, arm: "default", shown: true)
    }

    func testLinesRoundTripAndTheNextIdFollowsTheDevicesHighest() throws {
        let log = try ExposureLog(device: "phone-a", entries: [exposure("phone-a:7", 1_000), exposure("phone-b:1", 500)])
        try log.appendExposure(user: "u1", offer: "o2", category: "c2", channel: "in_app", at: 2_000, arm: "default", shown: false)
        XCTAssertEqual(log.map { $0.id }, ["phone-b:1", "phone-a:7", "phone-a:8"])
        let again = try ExposureLog(device: "phone-a", entries: try ExposureLog.readEntries(log.toLines()))
        XCTAssertEqual(Array(again), Array(log))
    }

    func testABadLineIsNamedAndAConflictRefused() throws {
        XCTAssertThrowsError(try ExposureLog.readEntries("\n{\"kind\": \"exposure\"}\n")) { XCTAssertTrue("\($0)".hasPrefix("log line 2: "), "\($0)") }
        XCTAssertThrowsError(try ExposureLog.readEntries("not json")) { XCTAssertTrue("\($0)".hasPrefix("log line 1: not JSON"), "\($0)") }
        let log = try ExposureLog(device: "phone-a", entries: [exposure("phone-b:1", 500)])
        XCTAssertThrowsError(try log.merge([exposure("phone-b:1", 500, channel: "inbox")])) { XCTAssertTrue("\($0)".hasSuffix("[conflict]")) }
    }

    func testMergeOrderAndReplayDoNotMatterAndALateResetErases() throws {
        let a = [exposure("phone-a:1", 100), exposure("phone-a:2", 300)]
        let b = [exposure("phone-b:1", 200), ExposureEntry(id: "phone-b:2", kind: "reset", user: "u1", at: 250)]
        let one = try ExposureLog(device: "x", entries: a + b)
        let two = try ExposureLog(device: "x", entries: b)
        try two.merge(a)
        try two.merge(a + b)
        XCTAssertEqual(Array(one), Array(two))
        XCTAssertEqual(one.map { $0.id }, ["phone-b:2", "phone-a:2"])
        XCTAssertEqual(one.forUser("u1", until: 1_000).map { $0.id }, ["phone-a:2"])
    }
}
