import Foundation

/// The bundle rule set of docs/bundle.md ("The rule set"), as finlite's Python `finlite/bundle/rules.py` and
/// finlite-core's `BundleRules` / `BundleVerifier` apply it: the same checks in the same order with the same error
/// codes (tests/bundles/invalid/ pins them). `verify` reads manifest.json strictly (UTF-8, no repeated keys),
/// checks the manifest, then every listed file in name order: present, a regular file reached without a symlink,
/// the listed size and sha256. Every violation is a `FinliteError.bundle(code:message:)` of one line.
public enum BundleVerifier {
    static let tasks = ["intent", "profile"]
    static let formats = ["tflite", "onnx", "executorch"]
    static let precisions = ["fp32", "int8"]
    static let required: [(String, String)] = [
        ("task", "string"), ("labels_file", "string"), ("preprocess_file", "string"), ("golden_file", "string"),
        ("input_names", "array"), ("postprocess", "object"), ("artifacts", "array"), ("files", "object"),
    ]
    static let artifactFields: [(String, String)] = [
        ("file", "string"), ("format", "string"), ("precision", "string"), ("inputs", "array"), ("outputs", "array"),
    ]
    static let fileEntryFields: [(String, String)] = [("sha256", "string"), ("bytes", "integer")]

    static func fail(_ code: String, _ message: String) -> FinliteError { .bundle(code: code, message: message) }

    /// The checked manifest of the bundle folder `directory` (its raw bytes and the parsed value).
    @discardableResult
    public static func verify(directory: URL) throws -> (data: Data, manifest: JSONValue) {
        let url = directory.appendingPathComponent(Manifest.file)
        guard let data = try? Data(contentsOf: url) else {
            throw fail("manifest_missing", "\(directory.path): no \(Manifest.file) — not a finlite bundle")
        }
        let value: JSONValue
        do { value = try StrictJSON.parse(data) } catch {
            throw fail("manifest_json", "\(url.path): not valid UTF-8 JSON (\(error))")
        }
        try check(value, where: url.path)
        try checkFiles(directory: directory, manifest: value)
        return (data, value)
    }

    /// A relative, normalised path inside the bundle ('/'-separated plain segments), never the manifest itself.
    public static func isBundlePath(_ name: String) -> Bool {
        guard name != Manifest.file else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            guard let first = segment.unicodeScalars.first, isPlain(first), first != ".", first != "-" else { return false }
            return segment.unicodeScalars.allSatisfy(isPlain)
        }
    }

    private static func isPlain(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "_" || c == "-"
    }

    private static func need(_ o: JSONValue, _ fields: [(String, String)], _ place: String, prefix: String = "") throws {
        for (name, kind) in fields {
            guard let v = o[name] else { throw fail("field_missing", "\(place), field '\(prefix)\(name)': missing") }
            guard v.typeName == kind else {
                throw fail("field_type", "\(place), field '\(prefix)\(name)': expected a JSON \(kind), found \(v.typeName)")
            }
        }
    }

    /// Throws the error of the first rule `value` breaks that needs nothing but the manifest.
    public static func check(_ value: JSONValue, where place: String) throws {
        guard case .object = value else { throw fail("manifest_type", "\(place): expected a JSON object, found \(value.typeName)") }
        guard value["format"]?.stringValue == Formats.bundle else {
            throw fail("format_unsupported", "\(place), field 'format': \(value["format"]?.brief ?? "missing"), this library reads \(Formats.bundle)")
        }
        try need(value, required, place)
        for key in value.keys where key.hasSuffix("_file") && value[key]?.stringValue == nil {
            throw fail("field_type", "\(place), field '\(key)': expected a JSON string, found \(value[key]!.typeName)")
        }
        let task = value["task"]!.stringValue!
        guard tasks.contains(task) else { throw fail("field_value", "\(place), field 'task': unknown task \"\(task)\" (known: intent, profile)") }
        for (i, name) in value["input_names"]!.arrayValue!.enumerated() where name.stringValue == nil {
            throw fail("field_type", "\(place), field 'input_names[\(i)]': expected a JSON string, found \(name.typeName)")
        }
        let artifacts = value["artifacts"]!.arrayValue!
        for (i, a) in artifacts.enumerated() {
            guard case .object = a else { throw fail("field_type", "\(place), field 'artifacts[\(i)]': expected a JSON object, found \(a.typeName)") }
            try need(a, artifactFields, place, prefix: "artifacts[\(i)].")
            for (key, known) in [("format", formats), ("precision", precisions)] where !known.contains(a[key]!.stringValue!) {
                throw fail("field_value", "\(place), field 'artifacts[\(i)].\(key)': unknown \(key) \"\(a[key]!.stringValue!)\"")
            }
        }
        let files = value["files"]!
        for name in files.keys {
            let e = files[name]!, field = "files['\(name)']"
            guard case .object = e else { throw fail("field_type", "\(place), field \(field): expected a JSON object, found \(e.typeName)") }
            try need(e, fileEntryFields, place, prefix: "\(field).")
            let sha = e["sha256"]!.stringValue!
            guard sha.utf8.count == 64, sha.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
                throw fail("field_value", "\(place), field \(field).sha256: not 64 lower-case hex digits")
            }
            guard e["bytes"]!.integerValue! >= 0 else { throw fail("field_value", "\(place), field \(field).bytes: negative") }
        }
        for name in files.keys where !isBundlePath(name) {
            throw fail("path_invalid", "\(place), field 'files': \"\(name)\" is not a plain relative path inside the bundle")
        }
        var refs = value.keys.filter { $0.hasSuffix("_file") }.map { ($0, value[$0]!.stringValue!) }
        for (i, a) in artifacts.enumerated() { refs.append(("artifacts[\(i)].file", a["file"]!.stringValue!)) }
        for (field, path) in refs where !isBundlePath(path) {
            throw fail("path_invalid", "\(place), field '\(field)': \"\(path)\" is not a plain relative path inside the bundle")
        }
        for (field, path) in refs where files[path] == nil {
            throw fail("file_unlisted", "\(place), field '\(field)': \"\(path)\" is not listed in the manifest's files (no hash to check it against)")
        }
    }

    /// Every listed file, in name order: present, regular (no symlink on the way), the listed size and sha256.
    static func checkFiles(directory: URL, manifest: JSONValue) throws {
        let files = manifest["files"]!
        let fm = FileManager.default
        for name in files.keys.sorted(by: { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }) {
            let url = directory.appendingPathComponent(name)
            // attributesOfItem does not follow a final symlink; each folder on the way is checked too
            guard let attrs = try? fm.attributesOfItem(atPath: url.path) else {
                throw fail("file_missing", "\(url.path): listed in the manifest but missing")
            }
            var prefix = directory, irregular = (attrs[.type] as? FileAttributeType) != .typeRegular
            for part in name.split(separator: "/").dropLast() {
                prefix = prefix.appendingPathComponent(String(part))
                if (try? fm.attributesOfItem(atPath: prefix.path))?[.type] as? FileAttributeType != .typeDirectory { irregular = true }
            }
            if irregular { throw fail("file_not_regular", "\(url.path): not a regular file (a symlink or a folder); refusing to load") }
            let size = (attrs[.size] as? NSNumber)?.int64Value ?? -1
            let expected = files[name]!["bytes"]!.integerValue!
            if size != expected {
                throw fail("file_size", "\(url.path): \(size) bytes, the manifest says \(expected) — the file was modified; refusing to load")
            }
            if try SHA256.hex(fileAt: url) != files[name]!["sha256"]!.stringValue! {
                throw fail("file_sha256", "\(url.path): sha256 does not match the manifest — the file was modified; refusing to load")
            }
        }
    }
}
