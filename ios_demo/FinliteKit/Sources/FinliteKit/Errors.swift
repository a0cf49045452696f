/// Errors of FinliteKit; `description` is a one-line message meant for logs and test output.
public enum FinliteError: Error, CustomStringConvertible, Equatable {
    /// A format or version this code does not implement.
    case unsupported(String)
    /// A value that breaks the contract (spec, manifest, row).
    case invalid(String)
    /// A file that should be there is missing.
    case missingFile(String)
    /// A bundle that breaks a rule of docs/bundle.md ("The rule set", "Signatures"): `code` names the rule
    /// (`field_missing`, `path_invalid`, `file_sha256`, `signature_mismatch`, ...), the same code finlite's Python
    /// reader and finlite-core give for the same bundle; `message` names the file and the field.
    case bundle(code: String, message: String)
    /// A model the native runtime (LiteRT, ONNX Runtime) cannot load or run, or inputs that do not fit it;
    /// `message` names the model file (as finlite-jvm's NativeRuntimeException).
    case runtime(String)

    public var description: String {
        switch self {
        case .unsupported(let m): return "unsupported: \(m)"
        case .invalid(let m): return "invalid: \(m)"
        case .missingFile(let f): return "\(f): listed in the manifest but missing"
        case .bundle(_, let message), .runtime(let message): return message
        }
    }
}
