import Foundation

/// Verifies `model.sig`, the bundle's signature in the OpenSSF model-signing format (docs/bundle.md, "Signatures"),
/// against a public key the app pins. The rule is finlite's Python `finlite/bundle/signing.py` and finlite-core's
/// `SignatureVerifier`: the DSSE envelope's ECDSA P-256 signature over the pre-authentication encoding is valid
/// for the key (`PlatformP256`: CryptoKit or OpenSSL); the signed in-toto statement lists exactly manifest.json
/// and the manifest's files; manifest.json's signed digest is the file's; then `BundleVerifier` checks the manifest
/// and every file, and each listed file's sha256 must equal its signed digest. Same error codes as Python.
public struct SignatureVerifier {
    public static let file = "model.sig"
    static let bundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
    static let payloadType = "application/vnd.in-toto+json"
    static let statementType = "https://in-toto.io/Statement/v1"
    static let predicateType = "https://model_signing/signature/v1.0"

    private let key: P256SignatureChecking

    public init(publicKeyPEM: String) throws { key = try PlatformP256(publicKeyPEM: publicKeyPEM) }

    /// DSSE v1 pre-authentication encoding: `DSSEv1 <len type> <type> <len payload> <payload>`.
    public static func pae(_ type: String, _ payload: Data) -> Data {
        Data("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8) + payload
    }

    private static func fail(_ code: String, _ message: String) -> FinliteError { .bundle(code: code, message: message) }

    /// Throws unless the bundle folder `directory` is signed by the pinned key and intact.
    public func verify(directory: URL) throws {
        let url = directory.appendingPathComponent(Self.file), place = url.path
        guard let bytes = try? Data(contentsOf: url) else {
            throw Self.fail("signature_missing", "\(place): missing — the bundle is not signed; refusing to load")
        }
        let malformed = Self.fail("signature_format", "\(place): not a model-signing v1.0 Sigstore bundle with an in-toto DSSE payload")
        guard let document = try? StrictJSON.parse(bytes), let envelope = document["dsseEnvelope"],
              document["mediaType"]?.stringValue == Self.bundleMediaType, envelope["payloadType"]?.stringValue == Self.payloadType,
              let payload = envelope["payload"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let signature = envelope["signatures"]?.arrayValue?.first?["sig"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw malformed
        }
        guard key.isValid(derSignature: signature, for: Self.pae(Self.payloadType, payload)) else {
            throw Self.fail("signature_mismatch", "\(place): the signature is not valid for the pinned key (signed by another key, or changed after signing); refusing to load")
        }
        guard let statement = try? StrictJSON.parse(payload), statement["_type"]?.stringValue == Self.statementType,
              statement["predicateType"]?.stringValue == Self.predicateType,
              statement["predicate"]?["serialization"]?["method"]?.stringValue == "files",
              let list = statement["predicate"]?["resources"]?.arrayValue,
              let subject = statement["subject"]?.arrayValue?.first?["digest"]?["sha256"]?.stringValue else { throw malformed }
        var resources: [String: String] = [:], digests = Data()
        for r in list {
            guard let name = r["name"]?.stringValue, let digest = r["digest"]?.stringValue, let raw = Self.hexBytes(digest) else { throw malformed }
            if r["algorithm"]?.stringValue == "sha256" { resources[name] = digest }
            digests.append(raw)
        }
        guard SHA256.hex(digests) == subject else {
            throw Self.fail("signature_format", "\(place): the subject digest does not cover the listed resources")
        }
        let manifestURL = directory.appendingPathComponent(Manifest.file)
        guard let manifestBytes = try? Data(contentsOf: manifestURL), resources[Manifest.file] == SHA256.hex(manifestBytes) else {
            throw Self.fail("signature_digest", "\(manifestURL.path): differs from the signed one; refusing to load")
        }
        let files = try BundleVerifier.verify(directory: directory).manifest["files"]!
        let listed = Set(files.keys + [Manifest.file])
        guard Set(resources.keys) == listed else {
            throw Self.fail("signature_files", "\(place): the signature and the manifest name different files (signed only: \(Set(resources.keys).subtracting(listed).sorted()); unsigned: \(listed.subtracting(resources.keys).sorted()))")
        }
        for name in files.keys.sorted() where resources[name] != files[name]?["sha256"]?.stringValue {
            throw Self.fail("signature_digest", "\(directory.appendingPathComponent(name).path): differs from the signed digest; refusing to load")
        }
    }

    private static func hexBytes(_ hex: String) -> Data? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = Data(capacity: chars.count / 2)
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
