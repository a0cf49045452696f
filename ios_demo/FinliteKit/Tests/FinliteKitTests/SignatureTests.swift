import Foundation
import XCTest
@testable import FinliteKit

/// tests/bundles/signed/: bundles signed by `finlite sign` and by the model-signing package verify against the
/// pinned test key (CryptoKit on Apple platforms, OpenSSL on Linux); another key, a missing or garbled signature and
/// every tampered variant are refused with the code Python and finlite-core give.
final class SignatureTests: XCTestCase {
    private func key(_ name: String) throws -> String {
        try String(contentsOf: Fixtures.ruleBundles.appendingPathComponent("signed/keys/\(name)"), encoding: .utf8)
    }

    func testSignedAndTamperedBundles() throws {
        let cases = try Fixtures.ruleCases("signed/cases.json")
        XCTAssertGreaterThanOrEqual(cases.count, 9)
        var wrong: [String] = []
        for c in cases {
            let verifier = try SignatureVerifier(publicKeyPEM: try key(c["key"]!))
            var code = "ok"
            do { try verifier.verify(directory: Fixtures.ruleBundles.appendingPathComponent("signed/\(c["name"]!)")) } catch FinliteError.bundle(let found, _) {
                code = found
            }
            if code != c["code"] { wrong.append("\(c["name"]!) with \(c["key"]!): \(code) instead of \(c["code"]!)") }
        }
        XCTAssertTrue(wrong.isEmpty, wrong.joined(separator: "\n"))
    }

    func testAPrivateKeyIsNotAPinnableKey() throws {
        XCTAssertThrowsError(try SignatureVerifier(publicKeyPEM: try key("test_private.pem")))
        XCTAssertThrowsError(try SignatureVerifier(publicKeyPEM: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
    }

    func testThePreAuthenticationEncoding() {
        XCTAssertEqual(String(decoding: SignatureVerifier.pae("t/x", Data("hi".utf8)), as: UTF8.self), "DSSEv1 3 t/x 2 hi")
    }
}
