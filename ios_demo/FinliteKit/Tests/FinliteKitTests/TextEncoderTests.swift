import Foundation
import XCTest
@testable import FinliteKit

/// The encoder against the project's own 36-case golden file (tests/golden/text_v1.json) and the
/// edge cases of docs/preprocessing.md.
final class TextEncoderTests: XCTestCase {
    func golden() throws -> TextGolden { try Fixtures.decode(TextGolden.self, Fixtures.textGolden) }

    func testGoldenFileSpecIsTheDefaultSpec() throws {
        let g = try golden()
        XCTAssertEqual(g.format, Formats.text)
        XCTAssertEqual(g.spec, TextSpec.defaults)
        XCTAssertEqual(g.cases.count, 36)
    }

    func testEveryGoldenCaseUnitsFeaturesAndIds() throws {
        let g = try golden()
        let encoder = try TextEncoder(spec: g.spec)
        for c in g.cases {
            let units = encoder.units(c.text)
            XCTAssertEqual(units.map(\.kind.rawValue), c.units.map { $0[0] }, "\(c.name): unit kinds")
            XCTAssertEqual(units.map { scalars($0.string) }, c.units.map { scalars($0[1]) }, "\(c.name): units")
            XCTAssertEqual(encoder.features(c.text).map { $0.map(scalars) }, c.features.map { $0.map(scalars) }, "\(c.name): features")
            let ids = encoder.encode(c.text)
            XCTAssertEqual(ids.count, g.spec.maxUnits * g.spec.maxFeats)
            var expected = [Int32](repeating: 0, count: ids.count)
            for (i, row) in c.ids.enumerated() {
                for (k, id) in row.enumerated() { expected[i * g.spec.maxFeats + k] = id }
            }
            assertSameIds(ids, expected, "\(c.name)")
        }
    }

    func testGoldenFileCoversThePortingPitfalls() throws {
        let names = Set(try golden().cases.map(\.name))
        for name in ["greek_final_sigma", "turkish_dotted_i", "emoji_skin_tone", "emoji_zwj_family", "emoji_flags",
                     "fullwidth_nfkc", "nfkc_compat", "symbols_copyright", "long_word", "long_en", "long_zh",
                     "en_numbers", "empty", "zh_simple", "mixed_emoji"] {
            XCTAssertTrue(names.contains(name), "text_v1.json lacks case \(name)")
        }
    }

    func testWorkedExampleMixedWithEmoji() throws {
        let e = try TextEncoder(spec: .defaults)
        let units = e.units("ATM取款200元😀 👍🏽")
        XCTAssertEqual(units.map(\.string), ["atm", "取", "款", "000", "元", "😀", "👍", "🏽"])
        XCTAssertEqual(units.map(\.kind), [.word, .cjk, .cjk, .word, .cjk, .symbol, .symbol, .symbol])
        XCTAssertEqual(Array(e.encode("我的卡丢了").prefix(2)), [7022, 2101])
    }

    func testFinalSigmaAndDottedIUseFullLowercasing() {
        XCTAssertEqual(String(String.UnicodeScalarView(TextEncoder.normalize("ΟΔΟΣ ΣΑΣ Σ"))), "οδος σας σ")
        XCTAssertEqual(TextEncoder.normalize("İ").map(\.value), [0x69, 0x307])
    }

    func testGraphemeClustersAreSplitIntoCodePoints() throws {
        let e = try TextEncoder(spec: .defaults)
        XCTAssertEqual(e.units("👨‍👩‍👧").map(\.string), ["👨", "👩", "👧"])
        XCTAssertEqual(e.units("🇨🇳").count, 2)
        XCTAssertEqual(e.units("1️⃣").map { scalars($0.string) }, [[0x30], [0x20E3]])
    }

    func testEmptyAndSeparatorOnlyTextsGiveZeros() throws {
        let e = try TextEncoder(spec: .defaults)
        for text in ["", "   \t\n", "?!...", "\u{200B}\u{FE0F}、。"] {
            XCTAssertTrue(e.encode(text).allSatisfy { $0 == 0 }, "\(text.debugDescription) should encode to zeros")
        }
    }

    func testTenThousandCharacterInputs() throws {
        let e = try TextEncoder(spec: .defaults)
        let word = e.units(String(repeating: "a", count: 10_000))
        XCTAssertEqual(word.count, 1)
        XCTAssertEqual(word[0].scalars.count, 32, "a word keeps max_word_chars code points")
        let cjk = e.encode(String(repeating: "余", count: 10_000))
        XCTAssertEqual(cjk.count, 64 * 32)
        for row in 0..<64 {
            XCTAssertNotEqual(cjk[row * 32], 0, "row \(row) holds a unit")
        }
        XCTAssertEqual(cjk[63 * 32 + 1], 0, "the last kept unit has no b: feature")
    }

    func testRefusesOtherFormatsAndBadSpecs() {
        var spec = TextSpec.defaults
        spec.format = "finlite.text/2"
        XCTAssertThrowsError(try TextEncoder(spec: spec))
        spec = .defaults
        spec.ngramMin = 6
        XCTAssertThrowsError(try TextEncoder(spec: spec))
        spec = .defaults
        spec.cjkRanges.append([5, 4])
        XCTAssertThrowsError(try TextEncoder(spec: spec))
    }
}
