/// Errors of FinliteKit; `description` is a one-line message meant for logs and test output.
public enum FinliteError: Error, CustomStringConvertible, Equatable {
    /// A format or version this code does not implement.
    case unsupported(String)
    /// A value that breaks the contract (spec, manifest, row).
    case invalid(String)
    /// A bundle file listed in the manifest is missing.
    case missingFile(String)
    /// A bundle file's size or sha256 differs from the manifest.
    case checksumMismatch(file: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case .unsupported(let m): return "unsupported: \(m)"
        case .invalid(let m): return "invalid: \(m)"
        case .missingFile(let f): return "\(f): listed in the manifest but missing"
        case .checksumMismatch(let f, let expected, let actual):
            return "\(f): sha256 does not match the manifest (expected \(expected), found \(actual)); refusing to load"
        }
    }
}
