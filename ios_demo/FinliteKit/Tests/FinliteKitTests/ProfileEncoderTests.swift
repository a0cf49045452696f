import Foundation
import XCTest
@testable import FinliteKit

/// Rules of finlite/data/profile_features.py and finlite/data/events.py that the golden users may not reach.
/// Vocabularies come from the profile bundle, static column positions from tests/golden/profile_v1.json.
final class ProfileEncoderTests: XCTestCase {
    /// The bundle's spec with a 3-event window and unit normalisation, so that values are easy to compute.
    func spec() throws -> ProfileSpec {
        var s = try XCTUnwrap(Fixtures.bundle("profile").profileSpec)
        s.maxEvents = 3
        (s.amountMean, s.dwellMean, s.gapMean, s.elapsedMean, s.ageMean, s.tenureMean, s.recencyMean) = (0, 0, 0, 0, 0, 0, 0)
        (s.amountStd, s.dwellStd, s.gapStd, s.elapsedStd, s.ageStd, s.tenureStd, s.recencyStd) = (1, 1, 1, 1, 1, 1, 1)
        return s
    }

    func parser() throws -> RawRowParser { try XCTUnwrap(Fixtures.bundle("profile").rowParser) }

    /// Position of a static column, by its name in tests/golden/profile_v1.json.
    func column(_ name: String) throws -> Int { try XCTUnwrap(Fixtures.staticColumns().firstIndex(of: name), name) }

    func row(_ ts: String, _ type: String = "login", amount: String = "", dwell: String = "1000") -> RawEventRow {
        RawEventRow(userId: "u", timestamp: ts, eventType: type, page: "home", product: "", amount: amount, dwellMs: dwell)
    }

    func attributes(age: String = "", risk: String = "", tenure: String = "", holdings: String = "", aum: String = "") -> RawAttributeRow {
        RawAttributeRow(userId: "u", age: age, riskLevel: risk, tenureDays: tenure, holdings: holdings, aumBucket: aum)
    }

    func encode(_ rows: [RawEventRow], asOfMs: Int64) throws -> ProfileInputs {
        try ProfileEncoder(spec: spec()).encode(events: try rows.map(parser().event), attributes: nil, asOfMs: asOfMs)
    }

    func testTimestampsInEveryAcceptedForm() throws {
        let t = 1_777_624_200_000 as Int64  // 2026-05-01T08:30:00Z
        for s in ["2026-05-01T08:30:00Z", "2026-05-01 16:30:00+08:00", "2026-05-01T16:30:00+0800", "2026-05-01T03:30-05",
                  "2026-05-01T08:30:00.000", "1777624200000", " 2026-05-01T08:30:00z "] {
            XCTAssertEqual(try Timestamps.parse(s), t, s)
        }
        XCTAssertEqual(try Timestamps.parse("2026-05-01T08:30:00.2509Z"), t + 250, "sub-millisecond digits are truncated")
        XCTAssertEqual(try Timestamps.parse("1970-01-01"), 0)
        XCTAssertEqual(try Timestamps.parse("1969-12-31T23:00Z"), -3_600_000)
        for bad in ["2026-02-30", "2026-13-01", "2026-05-01T24:00", "yesterday", ""] {
            XCTAssertThrowsError(try Timestamps.parse(bad), bad)
        }
        XCTAssertThrowsError(try parser().event(row("2026-02-30"))) {
            XCTAssertTrue("\($0)".contains("field 'timestamp': cannot parse timestamp '2026-02-30'"), "\($0)")
        }
    }

    func testNumbersAndCategories() throws {
        XCTAssertEqual(try RawRowParser.number("1e3", field: "amount"), 1000)
        XCTAssertEqual(try RawRowParser.number(" -3.5 ", field: "amount"), -3.5)
        XCTAssertTrue(try RawRowParser.number("", field: "amount").isNaN)
        for bad in ["inf", "nan", "0x10", "1e9999", "12abc", "."] {
            XCTAssertThrowsError(try RawRowParser.number(bad, field: "amount"), bad)
        }
        let parser = try self.parser()
        let vocabulary = parser.vocabulary
        let e = try parser.event(RawEventRow(userId: "u", timestamp: "0", eventType: "teleport", page: "", product: "",
                                             amount: "", dwellMs: ""))
        XCTAssertEqual([e.eventType, e.page, e.product], [ProfileVocabulary.oovId, ProfileVocabulary.oovId, vocabulary.products["none"]],
                       "unknown → OOV, empty page → OOV, empty product → none")
        XCTAssertEqual(try parser.event(row("0", "transfer")).eventType, vocabulary.eventTypes["transfer"])
        XCTAssertThrowsError(try parser.event(row("0", dwell: "-1")))
        let a = try parser.attributes(attributes(tenure: "5", holdings: " gold ;;moon;fx", aum: "huge"))
        XCTAssertTrue(a.age.isNaN)
        XCTAssertEqual(a.riskLevel, 0)
        XCTAssertEqual(a.aumBucket, ProfileVocabulary.oovId)
        XCTAssertEqual(a.holdings.enumerated().filter(\.element).map { vocabulary.holdingProducts[$0.offset] }, ["gold", "fx"])
        XCTAssertEqual(try parser.attributes(attributes(risk: "4.0", aum: "10k-50k")).riskLevel, 4)
        XCTAssertEqual(try parser.attributes(attributes(aum: "10k-50k")).aumBucket, vocabulary.aumBuckets["10k-50k"])
        XCTAssertThrowsError(try parser.attributes(attributes(age: "121")))
        XCTAssertThrowsError(try parser.attributes(attributes(risk: "6")))
        XCTAssertThrowsError(try parser.attributes(attributes(risk: "2.5")))
    }

    func testWindowOrderTiesFutureEventsAndGaps() throws {
        let ids = try parser().vocabulary.eventTypes
        // rows: t=1000 login, t=5000 search, t=5000 transfer (later row: more recent), t=9000 logout (after as_of)
        let rows = [row("1000"), row("5000", "search"), row("5000", "transfer"), row("9000", "logout")]
        let x = try encode(rows, asOfMs: 8000)
        XCTAssertEqual(stride(from: 0, to: 12, by: 4).map { x.cat[$0] }, [ids["transfer"], ids["search"], ids["login"]])
        XCTAssertEqual(x.num[4], 0, "gap between the two events at t=5000 is log1p(0)")
        XCTAssertEqual(x.num[6 + 4], Float(log1p(4.0)), accuracy: 1e-6, "search → login: 4 s")
        XCTAssertEqual(x.num[12 + 4], 0, "the oldest kept event has no gap")
        XCTAssertEqual(x.num[5], Float(log1p(3.0)), accuracy: 1e-6, "elapsed: 3 s to as_of")
        XCTAssertEqual(x.static[try column("event_count")], Float(min(1, log1p(3.0) / log1p(3.0))), "3 events up to as_of")
        XCTAssertEqual(x.static[try column("no_events")], 0)
        // max_events = 3: kept are t=7500, 7000, 5000 (transfer); gaps use the kept window only
        let y = try encode(rows + [row("7000"), row("7500")], asOfMs: 8000)
        XCTAssertEqual(y.cat.count, 12)
        XCTAssertEqual(y.num[6 + 4], Float(log1p(2.0)), accuracy: 1e-6, "7000 → 5000: 2 s")
        XCTAssertEqual(y.num[12 + 4], 0, "the oldest kept event has no gap, though older events exist")
        XCTAssertEqual(y.static[try column("event_count")], 1, "5 events up to as_of: log1p(5) / log1p(3) capped at 1")
    }

    func testHourUsesTheSpecOffsetAndFloorDivision() throws {
        var spec = try self.spec()
        spec.utcOffsetMinutes = 480
        let enc = try ProfileEncoder(spec: spec)
        XCTAssertEqual(enc.hourId(0), 9, "00:00 UTC is 08:00 at UTC+8 → id 9")
        XCTAssertEqual(enc.hourId(-8 * 3_600_000 - 1), 24, "one ms before local midnight → hour 23")
        spec.utcOffsetMinutes = -300
        XCTAssertEqual(try ProfileEncoder(spec: spec).hourId(0), 20, "UTC-5: 19:00 → id 20")
    }

    func testMissingValuesSetFlagsNotSilentZeros() throws {
        let x = try encode([], asOfMs: 0)
        let columns = try Fixtures.staticColumns()
        let flags: Set = ["age_missing", "risk_missing", "tenure_missing", "aum_missing", "no_events"]
        XCTAssertEqual(x.static.count, columns.count)
        for (i, name) in columns.enumerated() {
            XCTAssertEqual(x.static[i], flags.contains(name) ? 1 : 0, "static column \(name) without events and attributes")
        }
        XCTAssertTrue(x.cat.allSatisfy { $0 == 0 })
        let y = try encode([row("0", amount: "", dwell: "")], asOfMs: 0)
        XCTAssertEqual([y.num[0], y.num[1], y.num[2], y.num[3]], [0, 1, 0, 1])
    }

    func testRefusesAnotherSchemaFormatOrVocabularySize() throws {
        var s = try spec()
        s.eventSchema = "finlite.events/2"
        XCTAssertThrowsError(try ProfileEncoder(spec: s)) {
            XCTAssertTrue("\($0)".contains("event_schema \"finlite.events/2\", this library reads \(Formats.events)"), "\($0)")
        }
        s = try spec()
        s.hourBuckets = 12
        XCTAssertThrowsError(try ProfileEncoder(spec: s))
        s = try spec()
        s.pageVocab += 1
        XCTAssertThrowsError(try ProfileVocabulary(tensors: Fixtures.profileTensors(), spec: s)) {
            XCTAssertTrue("\($0)".contains("cat column page"), "\($0)")
        }
        s = try spec()
        s.holdings -= 1
        XCTAssertThrowsError(try ProfileVocabulary(tensors: Fixtures.profileTensors(), spec: s), "static width")
        XCTAssertNoThrow(try ProfileVocabulary(tensors: Fixtures.profileTensors(), spec: spec()))
    }

    /// The demo app's synthetic users encode, with categories the bundle knows only.
    func testDemoEventLogsUseKnownCategoriesAndEncode() throws {
        let bundle = try Fixtures.bundle("profile")
        let parser = try XCTUnwrap(bundle.rowParser), encoder = try XCTUnwrap(bundle.profileEncoder)
        let asOf: Int64 = 1_782_777_276_541
        for persona in DemoEventLog.Persona.allCases {
            let log = DemoEventLog.make(persona, asOfMs: asOf)
            XCTAssertEqual(log.events, DemoEventLog.make(persona, asOfMs: asOf).events, "deterministic")
            XCTAssertFalse(log.events.isEmpty)
            let events = try log.events.map(parser.event)
            for (raw, e) in zip(log.events, events) {
                XCTAssertFalse([e.eventType, e.page, e.product].contains(ProfileVocabulary.oovId), "\(persona): \(raw)")
                XCTAssertLessThanOrEqual(e.tsMs, asOf)
            }
            let attributes = try parser.attributes(log.attributes)
            XCTAssertNotEqual(attributes.aumBucket, ProfileVocabulary.oovId, "\(persona)")
            let x = encoder.encode(events: events, attributes: attributes, asOfMs: asOf)
            XCTAssertNotEqual(x.cat[0], 0, "\(persona): the latest event is encoded")
            XCTAssertEqual(x.static[try column("no_events")], 0)
        }
    }
}
