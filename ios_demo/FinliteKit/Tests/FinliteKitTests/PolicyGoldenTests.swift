import Foundation
import XCTest
@testable import FinliteKit

/// The shared policy goldens (tests/golden/policy/): every scenario's decisions and final log, every refused
/// policy and request.
final class PolicyGoldenTests: XCTestCase {
    private var dir: URL { Fixtures.goldenDir.appendingPathComponent("policy") }
    private func json(_ url: URL) throws -> JSONValue { try StrictJSON.parse(try Data(contentsOf: url)) }
    private func schema() throws -> ProfileSchema {
        try JSONDecoder().decode(ProfileSchema.self, from: try Data(contentsOf: Fixtures.goldenDir.appendingPathComponent("triggers/schema.json")))
    }

    /// The first difference of two JSON trees (keys in order; floats within 1e-9, everything else exactly), or nil.
    private func difference(_ want: JSONValue, _ got: JSONValue, _ path: String) -> String? {
        switch (want, got) {
        case (.number, _), (_, .number):
            guard let x = jsonNumber(want), let y = jsonNumber(got), abs(x - y) <= 1e-9 else { return "\(path): \(want.text) != \(got.text)" }
            return nil
        case (.object(let p), .object(let q)):
            if p.map({ $0.0 }) != q.map({ $0.0 }) { return "\(path): keys \(p.map { $0.0 }) != \(q.map { $0.0 })" }
            for (k, v) in p { if let d = difference(v, got[k]!, "\(path).\(k)") { return d } }
            return nil
        case (.array(let a), .array(let b)):
            if a.count != b.count { return "\(path): \(want.text) != \(got.text)" }
            for (i, (x, y)) in zip(a, b).enumerated() { if let d = difference(x, y, "\(path)[\(i)]") { return d } }
            return nil
        default:
            return want.text == got.text && want.typeName == got.typeName ? nil : "\(path): \(want.text) != \(got.text)"
        }
    }

    func testEveryScenarioGivesTheSameDecisionsAndLog() throws {
        let files = try FileManager.default.contentsOfDirectory(at: dir.appendingPathComponent("scenarios"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertGreaterThanOrEqual(files.count, 30)
        let schema = try schema()
        var failures: [String] = []
        for file in files {
            let doc = try json(file)
            XCTAssertEqual(doc["format"]?.stringValue, "finlite.policy_scenario/1", file.lastPathComponent)
            let engine = PolicyEngine(policy: try Policy.parse(doc["policy"]!, schema: schema, where: doc["name"]!.stringValue!), schema: schema,
                                      log: try ExposureLog(device: doc["device"]!.stringValue!))
            for (i, step) in doc["steps"]!.arrayValue!.enumerated() {
                if let merge = step["merge"] {
                    try engine.log.merge(try merge.arrayValue!.map { try ExposureEntry.fromJSON($0, where: "\(file.lastPathComponent) step \(i)") })
                } else if let reset = step["reset"] {
                    try engine.reset(user: reset["user"]!.stringValue!, atMs: try Timestamps.parse(reset["at"]!.stringValue!))
                } else if let d = difference(step["decision"]!, try engine.decide(step["decide"]!), "step \(i)") {
                    failures.append("\(file.lastPathComponent): \(d)")
                }
            }
            if let d = difference(doc["log"]!, .array(engine.log.map { $0.toJSON() }), "log") { failures.append("\(file.lastPathComponent): \(d)") }
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) differences in \(files.count) scenarios:\n" + failures.joined(separator: "\n"))
    }

    func testEveryRefusedPolicyNamesItsOfferFieldAndCode() throws {
        let schema = try schema()
        let cases = try json(dir.appendingPathComponent("negative.json"))["cases"]!.arrayValue!
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for c in cases {
            let name = c["name"]!.stringValue!
            do {
                _ = try Policy.parse(c["policy"]!, schema: schema, where: "policy.json")
                XCTFail("\(name): accepted")
            } catch let e as PolicySpecError {
                XCTAssertEqual(e.code, c["code"]!.stringValue!, "\(name): \(e.description)")
                XCTAssertTrue(!e.description.contains("\n") && e.description.hasPrefix("policy.json, ") && e.description.hasSuffix("[\(e.code)]"), e.description)
                XCTAssertTrue(e.description.contains("field '\(c["field"]!.stringValue!)'"), "\(name): \(e.description)")
                if let offer = c["offer"]?.stringValue { XCTAssertTrue(e.description.contains("offer '\(offer)'"), e.description) }
            }
        }
    }

    func testEveryRefusedRequestNamesItsFieldAndLeavesTheLogAlone() throws {
        let schema = try schema()
        let negative = try json(dir.appendingPathComponent("negative.json"))
        let engine = PolicyEngine(policy: try Policy.parse(negative["policy"]!, schema: schema), schema: schema, log: try ExposureLog(device: "phone-a"))
        let cases = negative["requests"]!.arrayValue!
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            let name = c["name"]!.stringValue!
            do {
                _ = try engine.decide(c["request"]!)
                XCTFail("\(name): decided")
            } catch let e as PolicySpecError {
                XCTAssertEqual(e.code, c["code"]!.stringValue!, "\(name): \(e.description)")
                XCTAssertTrue(e.description.contains("field '\(c["field"]!.stringValue!)'"), e.description)
            }
        }
        XCTAssertEqual(engine.log.count, 0)
    }
}
