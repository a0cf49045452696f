import Foundation
import XCTest
@testable import FinliteKit

/// Every case of the Python project's tests/golden/profile_v2.json (tests/golden/make_profile_golden.py), for both
/// schemas in it (the synthetic bank's and another bank's): the spec comes from the file, the raw text rows go
/// through `RawRowParser` and `ProfileEncoder`; `cat` must match exactly, `num` / `static` within 1e-6.
final class ProfileGoldenV2Tests: XCTestCase {
    struct Golden: Decodable {
        struct Case: Decodable {
            var name: String
            var user_id: String
            var as_of_ms: Int64
            var events: [RawRow]
            var attributes: RawRow?
            var inputs: ProfileGolden.Inputs
        }
        struct Schema: Decodable { var name: String; var profile: ProfileSpec; var cases: [Case] }
        var format: String
        var schemas: [Schema]
    }

    private func golden() throws -> Golden {
        try Fixtures.decode(Golden.self, Fixtures.goldenDir.appendingPathComponent("profile_v2.json"))
    }

    func testHoldsBothSchemasWithTheirEdgeCases() throws {
        let g = try golden()
        XCTAssertEqual(g.format, "finlite.golden.profile/2")
        XCTAssertEqual(g.schemas.map(\.name), ["synthetic", "other_bank"])
        for s in g.schemas {
            XCTAssertTrue(Set(s.cases.map(\.name)).isSuperset(of: ["no_events", "no_attributes"]), s.name)
            XCTAssertTrue(s.cases.contains { $0.events.count > s.profile.maxEvents }, "\(s.name): no truncation case")
        }
        XCTAssertEqual([g.schemas[1].profile.schema.tags.count, g.schemas[1].profile.schema.stages.count], [3, 4])
    }

    func testRawRowsEncodeLikePython() throws {
        for s in try golden().schemas {
            let parser = RawRowParser(schema: s.profile.schema)
            let encoder = try ProfileEncoder(spec: s.profile)
            for c in s.cases {
                let label = "\(s.name) case \(c.name)"
                let got = encoder.encode(events: try c.events.map(parser.event), attributes: try c.attributes.map(parser.attributes),
                                         asOfMs: c.as_of_ms)
                assertSameIds(got.cat, c.inputs.cat.flatMap { $0 }, "\(label): cat", columns: s.profile.catFeatures)
                assertClose(got.num, c.inputs.num.flatMap { $0 }, "\(label): num")
                assertClose(got.static, c.inputs.static, "\(label): static")
            }
        }
    }
}
