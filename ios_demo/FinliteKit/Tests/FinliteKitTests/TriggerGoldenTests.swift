import Foundation
import XCTest
@testable import FinliteKit

/// The shared trigger goldens (tests/golden/triggers/): every scenario's firings and late count, every negative
/// spec case's error code.
final class TriggerGoldenTests: XCTestCase {
    private var dir: URL { Fixtures.goldenDir.appendingPathComponent("triggers") }

    private func json(_ url: URL) throws -> JSONValue { try StrictJSON.parse(try Data(contentsOf: url)) }

    private func schema() throws -> ProfileSchema {
        try JSONDecoder().decode(ProfileSchema.self, from: try Data(contentsOf: dir.appendingPathComponent("schema.json")))
    }

    /// JSON-equal: numbers by value (30000 == 30000.0), objects by keys, arrays in order.
    private func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = jsonNumber(a), let y = jsonNumber(b) { return x == y }
        switch (a, b) {
        case (.object(let p), .object(let q)):
            return Set(p.map { $0.0 }) == Set(q.map { $0.0 }) && p.allSatisfy { k, v in same(v, b[k]!) }
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.string(let x), .string(let y)): return x == y
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        default: return false
        }
    }

    func testEveryScenario() throws {
        let files = try FileManager.default.contentsOfDirectory(at: dir.appendingPathComponent("scenarios"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertGreaterThanOrEqual(files.count, 40)
        let schema = try schema()
        for file in files {
            let doc = try json(file)
            let spec = try TriggerSpec.parse(doc["spec"]!, schema: schema, where: file.lastPathComponent)
            var engine = TriggerEngine(spec: spec, schema: schema)
            var got: [JSONValue] = []
            for (i, step) in doc["steps"]!.arrayValue!.enumerated() {
                if step["restart"] != nil { engine = try TriggerEngine(spec: spec, schema: schema, state: engine.stateText()); continue }
                let t = try Timestamps.parse(step["at"]!.stringValue!)
                let fired: [Firing]
                if let e = step["event"] { fired = engine.event(t, e) }
                else if let s = step["scores"] { fired = engine.scores(t, s) }
                else { fired = engine.tick(t) }
                for f in fired {
                    var pairs: [(String, JSONValue)] = [("step", .integer(Int64(i))), ("trigger", .string(f.trigger)), ("time", .string(TriggerTime.iso(f.time)))]
                    if let g = f.group { pairs.append(("group", .string(g))) }
                    pairs.append(("values", f.values))
                    got.append(.object(pairs))
                }
            }
            let want = doc["expect"]!["firings"]!
            XCTAssertTrue(same(.array(got), want), "\(file.lastPathComponent): \(doc["why"]!.stringValue!)\n expected \(want.text)\n got      \(JSONValue.array(got).text)")
            XCTAssertEqual(engine.late, doc["expect"]!["late"]!.integerValue!, file.lastPathComponent)
        }
    }

    func testAStateOfAnotherSpecIsRefused() throws {
        let schema = try schema()
        func parse(_ text: String) throws -> TriggerSpec { try TriggerSpec.parse(try StrictJSON.parse(Data(text.utf8)), schema: schema) }
        let spec = try parse(#"{"format": "finlite.triggers/1", "time_zone": "UTC", "triggers": [{"id": "x", "type": "event", "match": {"field": "page", "eq": "funds"}}]}"#)
        let other = try parse(#"{"format": "finlite.triggers/1", "time_zone": "UTC", "allowed_lateness_ms": 5, "triggers": [{"id": "x", "type": "event", "match": {"field": "page", "eq": "funds"}}]}"#)
        let engine = TriggerEngine(spec: spec, schema: schema)
        XCTAssertEqual(engine.event(0, .object([("page", .string("funds"))])).count, 1)
        XCTAssertNoThrow(try TriggerEngine(spec: spec, schema: schema, state: engine.stateText()))
        XCTAssertThrowsError(try TriggerEngine(spec: other, schema: schema, state: engine.stateText()))
    }

    func testEveryNegativeSpecIsRefusedWithItsCode() throws {
        let schema = try schema()
        let cases = try json(dir.appendingPathComponent("negative.json"))["cases"]!.arrayValue!
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for c in cases {
            let name = c["name"]!.stringValue!
            do {
                _ = try TriggerSpec.parse(c["spec"]!, schema: schema, where: "neg.json")
                XCTFail("\(name): accepted")
            } catch let e as TriggerSpecError {
                XCTAssertEqual(e.code, c["code"]!.stringValue!, name)
                XCTAssertFalse(e.description.contains("\n"))
                XCTAssertTrue(e.description.hasPrefix("neg.json, "), e.description)
                if let t = c["trigger"]?.stringValue { XCTAssertTrue(e.description.contains("'\(t)'"), e.description) }
            }
        }
    }
}

/// What the demo's profile screen shows under "Triggers": a persona's event log through the shipped seeds.
final class TriggerFeedTests: XCTestCase {
    func testSeedsOnTheDemoPersonas() throws {
        let dir = Fixtures.goldenDir.appendingPathComponent("triggers")
        let schema = try JSONDecoder().decode(ProfileSchema.self, from: try Data(contentsOf: dir.appendingPathComponent("schema.json")))
        let seeds = try Data(contentsOf: dir.appendingPathComponent("seeds.json"))
        let spec = try TriggerFeed.spec(seeds, schema: schema, source: "seeds.json")
        let now: Int64 = 1_780_000_000_000
        for persona in DemoEventLog.Persona.allCases {
            let log = DemoEventLog.make(persona, asOfMs: now)
            let firings = try TriggerFeed.feed(TriggerEngine(spec: spec, schema: schema), schema: schema, rows: log.events, nowMs: now)
            // by reason: the dwell rule needs a funds/fund_detail page view of >= 30 s; the abandonment rule (at most
            // once) fires when an onboarding_step is not completed within 15 min (the next row is its completion)
            let longFundViews = log.events.filter { ["funds", "fund_detail"].contains($0["page"] ?? "") && $0["event_type"] == "page_view" && Double($0["dwell_ms"] ?? "0")! >= 30000 }
            let dwell = firings.filter { $0.trigger == "fund_page_dwell_30s" }
            XCTAssertEqual(dwell.isEmpty, longFundViews.isEmpty, persona.rawValue)
            XCTAssertLessThanOrEqual(dwell.count, longFundViews.count, persona.rawValue)
            let times = try log.events.map { try Timestamps.parse($0["timestamp"]!) }
            let slow = log.events.indices.contains { i in
                log.events[i]["event_type"] == "onboarding_step" && (i + 1 == log.events.count ? now : times[i + 1]) - times[i] > 900_000
            }
            XCTAssertEqual(firings.filter { $0.trigger == "onboarding_abandoned_15min" }.count, slow ? 1 : 0, persona.rawValue)
            for f in firings { XCTAssertFalse(TriggerFeed.describe(f).contains("\n")) }
        }
    }
}
