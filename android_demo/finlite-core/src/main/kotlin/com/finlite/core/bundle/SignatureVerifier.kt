package com.finlite.core.bundle

import com.finlite.core.json.Json
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject
import java.math.BigInteger
import java.security.GeneralSecurityException
import java.security.KeyFactory
import java.security.PublicKey
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.X509EncodedKeySpec

/**
 * Verifies `model.sig`, the bundle's signature in the OpenSSF model-signing format (docs/bundle.md, "Signatures"),
 * against a public key the app pins, with `java.security` only (SHA256withECDSA and EC KeyFactory exist on every
 * Android level finlite targets; the signature maths is the platform's). The rule is finlite's Python
 * `finlite/bundle/signing.py`: the DSSE envelope's ECDSA P-256 signature over the pre-authentication encoding is
 * valid for the key; the signed in-toto statement lists exactly manifest.json and the manifest's files; the
 * signed digest of manifest.json is that of the file; then [BundleVerifier] checks the manifest and every file,
 * and each listed file's sha256 must equal its signed digest. Error codes as in Python (`signature_missing`,
 * `signature_format`, `signature_mismatch`, `signature_files`, `signature_digest`, or the bundle rule's own).
 */
class SignatureVerifier(publicKeyPem: String) {
    private val key: PublicKey = parsePublicKey(publicKeyPem)

    /** The verified manifest of a bundle signed by the pinned key; a [BundleException] otherwise. */
    fun verify(source: BundleSource): Manifest {
        val where = "${source.description}/$FILE"
        val bytes = try { source.readBytes(FILE) } catch (e: BundleException) {
            throw BundleException("$where: missing — the bundle is not signed; refusing to load", "signature_missing")
        }
        val document = parse(bytes, where)
        val envelope = field(where) { document.obj("dsseEnvelope") }
        if (document.opt("mediaType") != BUNDLE_MEDIA_TYPE || envelope.opt("payloadType") != PAYLOAD_TYPE) {
            throw BundleException("$where: not a model-signing v1.0 Sigstore bundle with an in-toto DSSE payload", "signature_format")
        }
        val payload = base64(field(where) { envelope.string("payload") }, where)
        val signature = base64(field(where) { envelope.array("signatures").obj(0).string("sig") }, where)
        val valid = try {
            Signature.getInstance("SHA256withECDSA").run {
                initVerify(key)
                update(pae(PAYLOAD_TYPE, payload))
                verify(signature)
            }
        } catch (e: GeneralSecurityException) {
            false // a malformed DER signature is not a valid one
        }
        if (!valid) {
            throw BundleException("$where: the signature is not valid for the pinned key (signed by another key, or changed after signing); refusing to load", "signature_mismatch")
        }
        val statement = parse(payload, where)
        val resources = LinkedHashMap<String, String>()
        val digests = java.io.ByteArrayOutputStream()
        field(where) {
            if (statement.opt("_type") != STATEMENT_TYPE || statement.opt("predicateType") != PREDICATE_TYPE ||
                statement.obj("predicate").obj("serialization").opt("method") != "files") {
                throw BundleException("$where: not an in-toto statement of model-signing v1.0 'files' serialization", "signature_format")
            }
            for (r in statement.obj("predicate").array("resources").objects()) {
                if (r.string("algorithm") == "sha256") resources[r.string("name")] = r.string("digest")
                digests.write(hexBytes(r.string("digest"), where))
            }
            val subject = statement.array("subject").obj(0).obj("digest").string("sha256")
            if (Sha256.of(digests.toByteArray()) != subject) {
                throw BundleException("$where: the subject digest does not cover the listed resources", "signature_format")
            }
        }
        val manifestDigest = source.open(Manifest.FILE)?.use { Sha256.of(it).first }
        if (manifestDigest == null || resources[Manifest.FILE] != manifestDigest) {
            throw BundleException("${source.description}/${Manifest.FILE}: differs from the signed one; refusing to load", "signature_digest")
        }
        val manifest = BundleVerifier.verify(source)
        val listed = manifest.files.keys + Manifest.FILE
        if (resources.keys != listed) {
            throw BundleException("$where: the signature and the manifest name different files (signed only: ${resources.keys - listed}; unsigned: ${listed - resources.keys})", "signature_files")
        }
        for (name in manifest.files.keys.sorted()) {
            if (resources[name] != manifest.files.getValue(name).sha256) {
                throw BundleException("${source.description}/$name: differs from the signed digest; refusing to load", "signature_digest")
            }
        }
        return manifest
    }

    companion object {
        const val FILE = "model.sig"
        const val BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
        const val PAYLOAD_TYPE = "application/vnd.in-toto+json"
        const val STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
        const val PREDICATE_TYPE = "https://model_signing/signature/v1.0"
        private val P256_ORDER = BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)

        /** DSSE v1 pre-authentication encoding: `DSSEv1 <len type> <type> <len payload> <payload>`. */
        fun pae(payloadType: String, payload: ByteArray): ByteArray {
            val type = payloadType.toByteArray(Charsets.UTF_8)
            val head = "DSSEv1 ${type.size} $payloadType ${payload.size} ".toByteArray(Charsets.UTF_8)
            return head + payload
        }

        /** An ECDSA P-256 public key from PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo). */
        fun parsePublicKey(pem: String): PublicKey {
            val body = pem.lines().filter { it.isNotBlank() && !it.startsWith("-----") }.joinToString("")
            if (!pem.contains("-----BEGIN PUBLIC KEY-----") || body.length == 0) throw BundleException("the pinned key is not a PEM public key", "signature_format")
            val key = try {
                KeyFactory.getInstance("EC").generatePublic(X509EncodedKeySpec(base64(body, "the pinned key")))
            } catch (e: GeneralSecurityException) {
                throw BundleException("the pinned key is not an EC public key (${e.message})", "signature_format")
            }
            if (key !is ECPublicKey || key.params.order != P256_ORDER) throw BundleException("the pinned key is not an ECDSA P-256 key", "signature_format")
            return key
        }

        private fun parse(bytes: ByteArray, where: String): JsonObject = try {
            Json.parseObject(BundleVerifier.strictUtf8(bytes, where), where)
        } catch (e: JsonException) {
            throw BundleException("$where: not a signature document (${e.message})", "signature_format")
        }

        private fun <T> field(where: String, read: () -> T): T = try { read() } catch (e: JsonException) {
            throw BundleException("$where: ${e.message}", "signature_format")
        } catch (e: IndexOutOfBoundsException) {
            throw BundleException("$where: an empty list where one entry is needed", "signature_format")
        }

        private fun hexBytes(hex: String, where: String): ByteArray {
            if (hex.length % 2 != 0 || !hex.all { it in '0'..'9' || it in 'a'..'f' || it in 'A'..'F' }) throw BundleException("$where: a digest that is not hex", "signature_format")
            return ByteArray(hex.length / 2) { ((Character.digit(hex[2 * it], 16) shl 4) or Character.digit(hex[2 * it + 1], 16)).toByte() }
        }

        /** Standard base64 with padding (RFC 4648 §4); java.util.Base64 needs API 26. */
        fun base64(text: String, where: String): ByteArray {
            val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            val s = text.trimEnd('=')
            if (text.length % 4 != 0 || text.length - s.length > 2) throw BundleException("$where: not base64", "signature_format")
            val out = java.io.ByteArrayOutputStream(s.length * 3 / 4)
            var buffer = 0
            var bits = 0
            for (c in s) {
                val v = alphabet.indexOf(c)
                if (v < 0) throw BundleException("$where: not base64", "signature_format")
                buffer = (buffer shl 6) or v
                bits += 6
                if (bits >= 8) {
                    bits -= 8
                    out.write((buffer shr bits) and 0xFF)
                }
            }
            return out.toByteArray()
        }
    }
}
