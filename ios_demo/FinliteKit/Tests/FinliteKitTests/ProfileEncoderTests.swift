import Foundation
import XCTest
@testable import FinliteKit

/// Rules of finlite/data/profile_features.py and finlite/data/events.py that the golden users may not reach, on the
/// test bundle's schema (the synthetic bank's fields); static column positions from its preprocess.json.
final class ProfileEncoderTests: XCTestCase {
    /// The bundle's spec with a 3-event window and unit normalisation, so that values are easy to compute.
    func spec() throws -> ProfileSpec {
        try Fixtures.profileSpec { p in
            p["max_events"] = 3
            let keys = (p["norms"] as? [String: Any] ?? [:]).keys
            p["norms"] = Dictionary(uniqueKeysWithValues: keys.map { ($0, ["mean": 0.0, "std": 1.0] as [String: Any]) })
        }
    }

    func parser() throws -> RawRowParser { try XCTUnwrap(Fixtures.bundle("profile").rowParser) }

    /// Position of a static column, by its name in the bundle's preprocess.json.
    func column(_ name: String) throws -> Int { try XCTUnwrap(Fixtures.staticColumns().firstIndex(of: name), name) }

    func field(_ name: String) throws -> SchemaField {
        try XCTUnwrap(parser().schema.eventFields.first { $0.name == name } ?? parser().schema.userFields.first { $0.name == name }, name)
    }

    func row(_ ts: String, _ type: String = "login", amount: String = "", dwell: String = "1000") -> RawRow {
        ["user_id": "u", "timestamp": ts, "event_type": type, "page": "home", "product": "", "amount": amount, "dwell_ms": dwell]
    }

    func attributes(age: String = "", risk: String = "", tenure: String = "", holdings: String = "", aum: String = "") -> RawRow {
        ["user_id": "u", "age": age, "risk_level": risk, "tenure_days": tenure, "holdings": holdings, "aum_bucket": aum]
    }

    func encode(_ rows: [RawRow], asOfMs: Int64) throws -> ProfileInputs {
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
        let amount = try field("amount")
        XCTAssertEqual(try RawRowParser.number("1e3", field: amount), 1000)
        XCTAssertEqual(try RawRowParser.number(" -3.5 ", field: amount), -3.5)
        XCTAssertTrue(try RawRowParser.number("", field: amount).isNaN)
        for bad in ["inf", "nan", "0x10", "1e9999", "12abc", "."] {
            XCTAssertThrowsError(try RawRowParser.number(bad, field: amount), bad)
        }
        let parser = try self.parser()
        let e = try parser.event(["user_id": "u", "timestamp": "0", "event_type": "teleport", "page": "", "product": "none", "amount": "", "dwell_ms": ""])
        XCTAssertEqual(e.cats, [ProfileSchema.oovId, ProfileSchema.missingId, try field("product").ids["none"]],
                       "unknown → OOV, empty page → missing, \"none\" is a value")
        XCTAssertEqual(try parser.event(row("0", "")).cats[0], ProfileSchema.oovId, "an empty event name is unknown, never 0")
        XCTAssertEqual(try parser.event(row("0", "transfer")).cats[0], try field("event_type").ids["transfer"])
        XCTAssertThrowsError(try parser.event(row("0", dwell: "-1"))) {
            XCTAssertTrue("\($0)".contains("field 'dwell_ms': dwell_ms -1 is below the schema's min 0"), "\($0)")
        }
        let fields = parser.schema.userFields
        let at = { (name: String) in fields.firstIndex { $0.name == name }! }
        let a = try parser.attributes(attributes(tenure: "5", holdings: " gold ;;moon;fx", aum: "huge"))
        XCTAssertTrue(a.values[at("age")].isNaN)
        XCTAssertEqual(a.ids[at("risk_level")], ProfileSchema.missingId)
        XCTAssertEqual(a.ids[at("aum_bucket")], ProfileSchema.oovId)
        let holdings = fields[at("holdings")]
        XCTAssertEqual(a.multi[at("holdings")].enumerated().filter(\.element).map { holdings.values[$0.offset] }, ["gold", "fx"])
        XCTAssertEqual(try parser.attributes(attributes(risk: "4")).ids[at("risk_level")], fields[at("risk_level")].ids["4"])
        XCTAssertEqual(try parser.attributes(attributes(risk: "6")).ids[at("risk_level")], ProfileSchema.oovId, "a value the schema lacks")
        XCTAssertThrowsError(try parser.attributes(attributes(age: "121")))
    }

    func testWindowOrderTiesFutureEventsAndGaps() throws {
        let ids = try field("event_type").ids
        let nc = try spec().catFeatures, nn = try spec().numFeatures
        // rows: t=1000 login, t=5000 search, t=5000 transfer (later row: more recent), t=9000 logout (after as_of)
        let rows = [row("1000"), row("5000", "search"), row("5000", "transfer"), row("9000", "logout")]
        let x = try encode(rows, asOfMs: 8000)
        XCTAssertEqual(stride(from: 0, to: 3 * nc, by: nc).map { x.cat[$0] }, [ids["transfer"], ids["search"], ids["login"]])
        XCTAssertEqual(x.num[nn - 2], 0, "gap between the two events at t=5000 is log1p(0)")
        XCTAssertEqual(x.num[nn + nn - 2], Float(log1p(4.0)), accuracy: 1e-6, "search → login: 4 s")
        XCTAssertEqual(x.num[2 * nn + nn - 2], 0, "the oldest kept event has no gap")
        XCTAssertEqual(x.num[nn - 1], Float(log1p(3.0)), accuracy: 1e-6, "elapsed: 3 s to as_of")
        XCTAssertEqual(x.static[try column("event_count")], Float(min(1, log1p(3.0) / log1p(3.0))), "3 events up to as_of")
        XCTAssertEqual(x.static[try column("no_events")], 0)
        // max_events = 3: kept are t=7500, 7000, 5000 (transfer); gaps use the kept window only
        let y = try encode(rows + [row("7000"), row("7500")], asOfMs: 8000)
        XCTAssertEqual(y.cat.count, 3 * nc)
        XCTAssertEqual(y.num[nn + nn - 2], Float(log1p(2.0)), accuracy: 1e-6, "7000 → 5000: 2 s")
        XCTAssertEqual(y.num[2 * nn + nn - 2], 0, "the oldest kept event has no gap, though older events exist")
        XCTAssertEqual(y.static[try column("event_count")], 1, "5 events up to as_of: log1p(5) / log1p(3) capped at 1")
    }

    func testHourUsesTheSpecOffsetAndFloorDivision() throws {
        let enc = try ProfileEncoder(spec: Fixtures.profileSpec { $0["utc_offset_minutes"] = 480 })
        XCTAssertEqual(enc.hourId(0), 9, "00:00 UTC is 08:00 at UTC+8 → id 9")
        XCTAssertEqual(enc.hourId(-8 * 3_600_000 - 1), 24, "one ms before local midnight → hour 23")
        XCTAssertEqual(try ProfileEncoder(spec: Fixtures.profileSpec { $0["utc_offset_minutes"] = -300 }).hourId(0), 20, "UTC-5: 19:00 → id 20")
    }

    func testMissingValuesSetFlagsNotSilentZeros() throws {
        let x = try encode([], asOfMs: 0)
        let columns = try Fixtures.staticColumns()
        let flags: Set = ["age_missing", "risk_level_missing", "tenure_days_missing", "aum_bucket_missing", "no_events"]
        XCTAssertEqual(x.static.count, columns.count)
        for (i, name) in columns.enumerated() {
            XCTAssertEqual(x.static[i], flags.contains(name) ? 1 : 0, "static column \(name) without events and attributes")
        }
        XCTAssertTrue(x.cat.allSatisfy { $0 == 0 })
        let y = try encode([row("0", amount: "", dwell: "")], asOfMs: 0)
        XCTAssertEqual([y.num[0], y.num[1], y.num[2], y.num[3]], [0, 1, 0, 1], "amount and dwell_ms: 0 with the missing flag")
    }

    func testRefusesAnotherSchemaFormatOrBadNorms() throws {
        XCTAssertThrowsError(try Fixtures.profileSpec { p in
            var schema = p["schema"] as! [String: Any]
            schema["format"] = "finlite.schema/2"
            p["schema"] = schema
        }) { XCTAssertTrue("\($0)".contains("format \"finlite.schema/2\", this library reads \(Formats.schema)"), "\($0)") }
        let noNorms = try Fixtures.profileSpec { $0["norms"] = [String: Any]() }
        XCTAssertThrowsError(try ProfileEncoder(spec: noNorms)) { XCTAssertTrue("\($0)".contains("norms must have exactly the keys"), "\($0)") }
        XCTAssertThrowsError(try ProfileEncoder(spec: Fixtures.profileSpec { $0["max_events"] = 0 }))
        XCTAssertNoThrow(try ProfileEncoder(spec: spec()))
    }

    /// A numeric field's clip and signed transform, and an extra field, through a schema edited in place.
    func testClipAndSignedTransformOfAnEditedSchema() throws {
        let spec = try Fixtures.profileSpec { p in
            p["max_events"] = 1
            var schema = p["schema"] as! [String: Any]
            var events = schema["events"] as! [String: Any]
            var fields = events["fields"] as! [[String: Any]]
            let i = fields.firstIndex { $0["name"] as? String == "amount" }!
            fields[i]["transform"] = "signed_log1p"
            fields[i]["clip"] = [-100.0, 50.0]
            events["fields"] = fields
            schema["events"] = events
            p["schema"] = schema
            var norms = p["norms"] as! [String: Any]
            for k in norms.keys { norms[k] = ["mean": 0.0, "std": 1.0] }
            p["norms"] = norms
        }
        let enc = try ProfileEncoder(spec: spec), parser = RawRowParser(schema: spec.schema)
        let a = spec.schema.eventNumerics.firstIndex { $0.name == "amount" }!
        for (text, want) in [("-1000", -log1p(100.0)), ("20", log1p(20.0)), ("70", log1p(50.0))] {
            let x = enc.encode(events: [try parser.event(row("0", amount: text))], attributes: nil, asOfMs: 0)
            XCTAssertEqual(Double(x.num[2 * a]), want, accuracy: 1e-6, "amount \(text)")
        }
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
                XCTAssertFalse(e.cats.contains(ProfileSchema.oovId), "\(persona): \(raw)")
                XCTAssertLessThanOrEqual(e.tsMs, asOf)
            }
            let attributes = try parser.attributes(log.attributes)
            XCTAssertFalse(attributes.ids.contains(ProfileSchema.oovId), "\(persona)")
            let x = encoder.encode(events: events, attributes: attributes, asOfMs: asOf)
            XCTAssertNotEqual(x.cat[0], 0, "\(persona): the latest event is encoded")
            XCTAssertEqual(x.static[try column("no_events")], 0)
        }
    }
}
