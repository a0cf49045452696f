import Foundation
import XCTest
@testable import FinliteKit

/// The encoder against the project's own profile golden file (tests/golden/profile_v1.json): parsed
/// events and attributes with out-of-range ids, infinities, negative values, ties, future events and
/// timestamps before 1970 → exactly `cat`, `num` / `static` within 1e-6.
final class ProfileEncoderGoldenTests: XCTestCase {
    /// A JSON number, `null` (NaN: missing) or the strings "inf" / "-inf" / "nan".
    struct Num: Decodable {
        var value: Double
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = .nan } else if let d = try? c.decode(Double.self) { value = d } else {
                let s = try c.decode(String.self)
                guard let d = ["inf": Double.infinity, "-inf": -Double.infinity, "nan": Double.nan][s] else {
                    throw FinliteError.invalid("profile_v1.json: unexpected value \(s)")
                }
                value = d
            }
        }
    }
    struct Attrs: Decodable {
        var age: Num, risk_level: Int, tenure_days: Num, holdings: [Int], aum_bucket: Int32
    }
    struct User: Decodable {
        var name: String
        var events: [[Num]]  // ts_ms, event_type, page, product, amount, dwell_ms
        var attributes: Attrs?
        var cat: [[Int32]]
        var num: [[Double]]
        var `static`: [Double]
    }
    struct File: Decodable {
        var format: String
        var spec: ProfileSpec
        var as_of_ms: Int64
        var static_columns: [String]
        var users: [User]
    }

    func testStaticLayoutIsTheSpecsWidth() throws {
        let g = try Fixtures.decode(File.self, Fixtures.profileEncoderGolden)
        XCTAssertEqual(g.spec.staticFeatures, g.static_columns.count)
    }

    func testEveryUserOfTheProjectGoldenFile() throws {
        let g = try Fixtures.decode(File.self, Fixtures.profileEncoderGolden)
        XCTAssertEqual(g.format, Formats.profile)
        XCTAssertGreaterThanOrEqual(g.users.count, 9)
        let encoder = try ProfileEncoder(spec: g.spec)
        for u in g.users {
            let events = u.events.map { e in
                EventRow(tsMs: Int64(e[0].value), eventType: Int32(e[1].value), page: Int32(e[2].value),
                      product: Int32(e[3].value), amount: Float(e[4].value), dwellMs: Float(e[5].value))
            }
            let attrs = u.attributes.map { a in
                AttributeRow(age: Float(a.age.value), riskLevel: a.risk_level, tenureDays: Float(a.tenure_days.value),
                           holdings: a.holdings.map { $0 != 0 }, aumBucket: a.aum_bucket)
            }
            let x = encoder.encode(events: events, attributes: attrs, asOfMs: g.as_of_ms)
            // the file lists the real rows only; the padding rows after them are all 0
            let n = g.spec.maxEvents
            let cat = u.cat.flatMap { $0 } + [Int32](repeating: 0, count: (n - u.cat.count) * g.spec.catFeatures)
            let num = u.num.flatMap { $0 } + [Double](repeating: 0, count: (n - u.num.count) * g.spec.numFeatures)
            assertSameIds(x.cat, cat, "\(u.name): cat", columns: g.spec.catFeatures)
            XCTAssertEqual(x.num.count, num.count)
            XCTAssertEqual(x.static.count, u.static.count)
            for (i, (a, b)) in zip(x.num, num).enumerated() {
                XCTAssertEqual(Double(a), b, accuracy: 1e-6, "\(u.name): num row \(i / 6) column \(i % 6)")
            }
            for (i, (a, b)) in zip(x.static, u.static).enumerated() {
                XCTAssertEqual(Double(a), b, accuracy: 1e-6, "\(u.name): static column \(i)")
            }
        }
    }
}
