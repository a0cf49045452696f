import Foundation
#if canImport(CryptoKit)
import CryptoKit
#elseif canImport(COpenSSL)
import COpenSSL
#endif

/// ECDSA P-256 / SHA-256 signature checks by the platform's cryptography, behind one small protocol: CryptoKit on
/// Apple platforms, OpenSSL's libcrypto (Debian's libssl-dev) on Linux. No signature maths in FinliteKit.
public protocol P256SignatureChecking {
    /// The key of a PEM `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo); throws unless it is a P-256 key.
    init(publicKeyPEM: String) throws
    /// True when `derSignature` (ASN.1 DER, as DSSE and model-signing store it) is valid for `message`.
    func isValid(derSignature: Data, for message: Data) -> Bool
}

#if canImport(CryptoKit)
/// CryptoKit's P-256 (iOS 14+, macOS 11+).
public struct PlatformP256: P256SignatureChecking {
    private let key: P256.Signing.PublicKey

    public init(publicKeyPEM: String) throws {
        do { key = try P256.Signing.PublicKey(pemRepresentation: publicKeyPEM) } catch {
            throw FinliteError.bundle(code: "signature_format", message: "the pinned key is not an ECDSA P-256 public key (\(error))")
        }
    }

    public func isValid(derSignature: Data, for message: Data) -> Bool {
        guard let signature = try? P256.Signing.ECDSASignature(derRepresentation: derSignature) else { return false }
        return key.isValidSignature(signature, for: message)  // hashes the message with SHA-256
    }
}
#elseif canImport(COpenSSL)
/// OpenSSL 3's EVP interface (libcrypto).
public final class PlatformP256: P256SignatureChecking {
    private let key: OpaquePointer

    public init(publicKeyPEM: String) throws {
        let pem = Array(publicKeyPEM.utf8)
        let parsed: OpaquePointer? = pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        guard let key = parsed else {
            throw FinliteError.bundle(code: "signature_format", message: "the pinned key is not a PEM public key")
        }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1, String(cString: name) == "prime256v1" else {
            EVP_PKEY_free(key)
            throw FinliteError.bundle(code: "signature_format", message: "the pinned key is not an ECDSA P-256 key")
        }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    public func isValid(derSignature: Data, for message: Data) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let signature = [UInt8](derSignature), body = [UInt8](message)
        return EVP_DigestVerify(ctx, signature, signature.count, body, body.count) == 1
    }
}
#endif
