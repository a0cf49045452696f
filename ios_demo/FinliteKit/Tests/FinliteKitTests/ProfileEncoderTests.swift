import Foundation
import XCTest
@testable import FinliteKit

/// Rules of finlite/data/profile_features.py and finlite/data/events.py that the golden users may not reach.
final class ProfileEncoderTests: XCTestCase {
    let spec = ProfileSpec(
        maxEvents: 3, utcOffsetMinutes: 480, eventTypeVocab: 18, pageVocab: 21, productVocab: 16, aumVocab: 8,
        hourBuckets: 24, holdings: 14, amountMean: 0, amountStd: 1, dwellMean: 0, dwellStd: 1, gapMean: 0, gapStd: 1,
        elapsedMean: 0, elapsedStd: 1, ageMean: 0, ageStd: 1, tenureMean: 0, tenureStd: 1, recencyMean: 0, recencyStd: 1,
        eventSchema: "finlite.events/1", format: "finlite.profile/1")

    func row(_ ts: String, _ type: String = "login", amount: String = "", dwell: String = "1000") -> EventRow {
        EventRow(userId: "u", timestamp: ts, eventType: type, page: "home", product: "", amount: amount, dwellMs: dwell)
    }

    func testTimestampsInEveryAcceptedForm() throws {
        let t = 1_777_624_200_000 as Int64  // 2026-05-01T08:30:00Z
        for s in ["2026-05-01T08:30:00Z", "2026-05-01 16:30:00+08:00", "2026-05-01T16:30:00+0800", "2026-05-01T03:30-05",
                  "2026-05-01T08:30:00.000", "1777624200000", " 2026-05-01T08:30:00z "] {
            XCTAssertEqual(try RowParser.timestamp(s), t, s)
        }
        XCTAssertEqual(try RowParser.timestamp("2026-05-01T08:30:00.2509Z"), t + 250, "sub-millisecond digits are truncated")
        XCTAssertEqual(try RowParser.timestamp("1970-01-01"), 0)
        XCTAssertEqual(try RowParser.timestamp("1969-12-31T23:00Z"), -3_600_000)
        for bad in ["2026-02-30", "2026-13-01", "2026-05-01T24:00", "yesterday", ""] {
            XCTAssertThrowsError(try RowParser.timestamp(bad), bad)
        }
    }

    func testNumbersAndCategories() throws {
        XCTAssertEqual(try RowParser.number("1e3", field: "amount"), 1000)
        XCTAssertEqual(try RowParser.number(" -3.5 ", field: "amount"), -3.5)
        XCTAssertTrue(try RowParser.number("", field: "amount").isNaN)
        for bad in ["inf", "nan", "0x10", "1e9999", "12abc", "."] {
            XCTAssertThrowsError(try RowParser.number(bad, field: "amount"), bad)
        }
        let e = try RowParser.event(EventRow(userId: "u", timestamp: "0", eventType: "teleport", page: "", product: "",
                                             amount: "", dwellMs: ""))
        XCTAssertEqual([e.eventType, e.page, e.product], [1, 1, 2], "unknown → OOV, empty page → OOV, empty product → none")
        XCTAssertThrowsError(try RowParser.event(row("0", dwell: "-1")))
        let a = try RowParser.attributes(AttributeRow(userId: "u", age: "", riskLevel: "", tenureDays: "5",
                                                       holdings: " gold ;;moon;fx", aumBucket: "huge"))
        XCTAssertTrue(a.age.isNaN)
        XCTAssertEqual(a.riskLevel, 0)
        XCTAssertEqual(a.aumBucket, 1)
        XCTAssertEqual(a.holdings.enumerated().filter(\.element).map(\.offset), [12, 13])
        XCTAssertThrowsError(try RowParser.attributes(AttributeRow(userId: "u", age: "121", riskLevel: "", tenureDays: "",
                                                                   holdings: "", aumBucket: "")))
        XCTAssertThrowsError(try RowParser.attributes(AttributeRow(userId: "u", age: "", riskLevel: "6", tenureDays: "",
                                                                   holdings: "", aumBucket: "")))
    }

    func testWindowOrderTiesFutureEventsAndGaps() throws {
        let enc = try ProfileEncoder(spec: spec)
        // rows: t=1000 login, t=5000 search, t=5000 transfer (later row: more recent), t=9000 logout (after as_of)
        let rows = [row("1000"), row("5000", "search"), row("5000", "transfer"), row("9000", "logout")]
        let x = try enc.encode(rows: rows, attributes: nil, asOfMs: 8000)
        XCTAssertEqual(stride(from: 0, to: 12, by: 4).map { x.cat[$0] }, [9, 5, 2], "transfer, search, login")
        XCTAssertEqual(x.num[4], 0, "gap between the two events at t=5000 is log1p(0)")
        XCTAssertEqual(x.num[6 + 4], Float(log1p(4.0)), accuracy: 1e-6, "search → login: 4 s")
        XCTAssertEqual(x.num[12 + 4], 0, "the oldest kept event has no gap")
        XCTAssertEqual(x.num[5], Float(log1p(3.0)), accuracy: 1e-6, "elapsed: 3 s to as_of")
        XCTAssertEqual(x.statics[34], Float(min(1, log1p(3.0) / log1p(3.0))), "3 events up to as_of")
        XCTAssertEqual(x.statics[33], 0)
        // max_events = 3: kept are t=7500, 7000, 5000 (transfer); gaps use the kept window only
        let y = try enc.encode(rows: rows + [row("7000"), row("7500")], attributes: nil, asOfMs: 8000)
        XCTAssertEqual(y.cat.count, 12)
        XCTAssertEqual(y.num[6 + 4], Float(log1p(2.0)), accuracy: 1e-6, "7000 → 5000: 2 s")
        XCTAssertEqual(y.num[12 + 4], 0, "the oldest kept event has no gap, though older events exist")
        XCTAssertEqual(y.statics[34], 1, "5 events up to as_of: log1p(5) / log1p(3) capped at 1")
    }

    func testHourUsesTheSpecOffsetAndFloorDivision() throws {
        let enc = try ProfileEncoder(spec: spec)
        XCTAssertEqual(enc.hourId(0), 9, "00:00 UTC is 08:00 at UTC+8 → id 9")
        XCTAssertEqual(enc.hourId(-8 * 3_600_000 - 1), 24, "one ms before local midnight → hour 23")
        var west = spec
        west.utcOffsetMinutes = -300
        XCTAssertEqual(try ProfileEncoder(spec: west).hourId(0), 20, "UTC-5: 19:00 → id 20")
    }

    func testMissingValuesSetFlagsNotSilentZeros() throws {
        let enc = try ProfileEncoder(spec: spec)
        let x = try enc.encode(rows: [], attributes: nil, asOfMs: 0)
        let flags: [Int: Float] = [1: 1, 7: 1, 9: 1, 10: 1, 33: 1]
        for i in 0..<35 { XCTAssertEqual(x.statics[i], flags[i] ?? 0, "static column \(i) without events and attributes") }
        XCTAssertTrue(x.cat.allSatisfy { $0 == 0 })
        let y = try enc.encode(rows: [row("0", amount: "", dwell: "")], attributes: nil, asOfMs: 0)
        XCTAssertEqual([y.num[0], y.num[1], y.num[2], y.num[3]], [0, 1, 0, 1])
    }

    func testRefusesAnotherSchemaOrFormat() {
        var s = spec
        s.eventSchema = "finlite.events/2"
        XCTAssertThrowsError(try ProfileEncoder(spec: s))
        s = spec
        s.pageVocab = 30
        XCTAssertThrowsError(try ProfileEncoder(spec: s))
    }

    func testDemoEventLogsEncode() throws {
        let enc = try ProfileEncoder(spec: spec)
        for persona in DemoEventLog.Persona.allCases {
            let log = DemoEventLog.make(persona, asOfMs: 1_782_777_276_541)
            XCTAssertEqual(log.events, DemoEventLog.make(persona, asOfMs: 1_782_777_276_541).events, "deterministic")
            XCTAssertFalse(log.events.isEmpty)
            let x = try enc.encode(rows: log.events, attributes: log.attributes, asOfMs: 1_782_777_276_541)
            XCTAssertNotEqual(x.cat[0], 0, "\(persona): the latest event is encoded")
            XCTAssertEqual(x.statics[33], 0)
        }
    }
}
