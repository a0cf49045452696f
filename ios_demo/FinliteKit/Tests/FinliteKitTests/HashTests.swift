import Foundation
import XCTest
@testable import FinliteKit

/// FNV-1a vectors of docs/preprocessing.md §3.5 and SHA-256 vectors of FIPS 180-4.
final class HashTests: XCTestCase {
    func testFNV1aVectorsOfTheSpec() {
        let vectors: [(String, UInt32, Int32)] = [
            ("", 0x811C9DC5, 4139), ("a", 0xE40C292C, 5330), ("foobar", 0xBF9CF968, 7130),
            ("w:card", 0xF46CE67A, 6900), ("w:卡", 0xE7B1CF01, 4607), ("w:😀", 0x498430A9, 10038),
        ]
        for (text, hash, id) in vectors {
            XCTAssertEqual(FNV1a.hash(text.utf8), hash, "FNV-1a of \(text)")
            XCTAssertEqual(FNV1a.featureId(text, buckets: 10240), id, "id of \(text)")
        }
    }

    func testFeatureIdWithTwoBucketsIsAlwaysOne() {
        // (hashes with the top bit set, like "w:card" above, check the unsigned remainder)
        for f in ["", "w:x", "c:<ab", "b:取 款"] {
            let id = FNV1a.featureId(f, buckets: 2)
            XCTAssertEqual(id, 1, "with 2 buckets every id is 1")
        }
    }

    func testSHA256KnownVectors() {
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (text, digest) in vectors {
            XCTAssertEqual(SHA256.hex(Data(text.utf8)), digest, "sha256 of \(text)")
        }
        XCTAssertEqual(SHA256.hex(Data(repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA256IncrementalUpdatesEqualOneShot() {
        let data = Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 299, 300] {
            var s = SHA256()
            s.update(data.prefix(split))
            s.update(data.suffix(from: split))
            XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(), SHA256.hex(data), "split at \(split)")
        }
    }
}
