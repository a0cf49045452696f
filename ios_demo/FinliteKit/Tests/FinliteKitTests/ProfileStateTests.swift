import Foundation
import XCTest
@testable import FinliteKit

/// Every stream of the project's tests/golden/state_v1.json: the raw rows go through `ProfileState` one by one and
/// after each event the tensors equal the batch encoder's (cat exactly, num / static within 1e-6); at `blob_after`
/// the bytes equal the golden blob, and the stream continues from the blob read back, as after an app restart.
final class ProfileStateTests: XCTestCase {
    struct Golden: Decodable {
        struct Point: Decodable { var after: Int; var as_of_ms: Int64; var count: UInt64; var inputs: ProfileGolden.Inputs }
        struct Stream: Decodable { var name: String; var attributes: RawRow?; var events: [RawRow]; var checkpoints: [Point]; var blob_after: Int; var blob: String }
        struct Schema: Decodable { var name: String; var profile: ProfileSpec; var spec_sha256: String; var streams: [Stream] }
        var format: String
        var schemas: [Schema]
    }

    private func golden() throws -> Golden {
        try Fixtures.decode(Golden.self, Fixtures.goldenDir.appendingPathComponent("state_v1.json"))
    }

    func testEveryStreamEqualsTheBatchEncoderAcrossARestart() throws {
        let g = try golden()
        XCTAssertEqual(g.format, "finlite.golden.state/1")
        var checked = 0
        for s in g.schemas {
            for stream in s.streams {
                let label = "\(s.name) stream \(stream.name)"
                var state = try ProfileState(spec: s.profile, specSha256: s.spec_sha256)
                try state.setAttributes(row: stream.attributes)
                for point in stream.checkpoints {
                    if point.after > 0 { try state.update(row: stream.events[point.after - 1]) }
                    XCTAssertEqual(state.count, point.count, "\(label) after \(point.after): count")
                    let got = try state.inputs(asOfMs: point.as_of_ms)
                    assertSameIds(got.cat, point.inputs.cat.flatMap { $0 }, "\(label) after \(point.after): cat", columns: s.profile.catFeatures)
                    assertClose(got.num, point.inputs.num.flatMap { $0 }, "\(label) after \(point.after): num")
                    assertClose(got.static, point.inputs.static, "\(label) after \(point.after): static")
                    if point.after == stream.blob_after {
                        let blob = try XCTUnwrap(Data(base64Encoded: stream.blob))
                        XCTAssertEqual([UInt8](state.toBytes()), [UInt8](blob), "\(label): the persisted bytes")
                        state = try ProfileState(spec: s.profile, specSha256: s.spec_sha256, bytes: blob)
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testADamagedOrForeignBlobIsAOneLineError() throws {
        let s = try golden().schemas[0]
        let stream = try XCTUnwrap(s.streams.first { $0.name == "all_rows_scrambled" })
        let blob = try XCTUnwrap(Data(base64Encoded: stream.blob))
        var version = blob
        version[4] = 9
        for (data, sha, message) in [(blob.dropLast(3), s.spec_sha256, "bytes, expected"), (Data("XXXX".utf8) + blob.dropFirst(4), s.spec_sha256, "not a finlite.state/1 blob"),
                                     (version, s.spec_sha256, "version 9"), (blob, String(repeating: "cd", count: 32), "another preprocess.json")] {
            XCTAssertThrowsError(try ProfileState(spec: s.profile, specSha256: sha, bytes: Data(data))) { error in
                XCTAssertTrue("\(error)".contains(message) && !"\(error)".contains("\n"), "\(error)")
            }
        }
        let state = try ProfileState(spec: s.profile, specSha256: s.spec_sha256, bytes: blob)
        XCTAssertThrowsError(try state.inputs(asOfMs: 0)) { XCTAssertTrue("\($0)".contains("before the newest event")) }
    }
}
