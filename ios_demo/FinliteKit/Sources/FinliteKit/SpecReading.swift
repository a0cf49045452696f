import Foundation

/// Whether the whole of `s` matches `pattern`: ICU's `$` also matches before a final newline, where Python's
/// fullmatch and Kotlin's matches() do not, so a trailing newline would pass here alone.
func matchesWhole(_ s: String, _ pattern: String) -> Bool {
    s.range(of: pattern, options: .regularExpression) == s.startIndex..<s.endIndex
}

/// An id in a trigger spec or a policy: a letter, then letters, digits, `_ . -`, at most 64 characters.
let specIdPattern = "^[A-Za-z][A-Za-z0-9_.-]{0,63}$"

/// What the trigger and the policy readers share (as finlite's spec_reading.py and finlite-core's SpecReading.kt):
/// one-line errors `PLACE, OWNER 'ID', field 'PATH': what [code]`, and the key, duration and count checks.
protocol SpecReading {
    associatedtype Failure: Error
    func fail(_ code: String, _ owner: String?, _ path: String, _ message: String) -> Failure
}

extension SpecReading {
    func keys(_ obj: JSONValue, _ owner: String?, _ path: String, _ required: [String], _ optional: [String]) throws {
        for key in obj.keys where !required.contains(key) && !optional.contains(key) {  // unknown first: a misspelt key is also a missing one
            throw fail("unknown_key", owner, "\(path)\(key)", "unknown key; expected one of \((required + optional).sorted())")
        }
        for key in required where obj[key] == nil { throw fail("missing_key", owner, "\(path)\(key)", "is required") }
    }

    func duration(_ v: JSONValue?, _ owner: String?, _ path: String, positive: Bool = false) throws -> Int64 {
        guard let x = v?.integerValue else { throw fail("bad_type", owner, path, "a duration is an integer of milliseconds, got \(shown(v))") }
        if x < 0 || (positive && x == 0) { throw fail("negative_duration", owner, path, "\(x) must be \(positive ? "> 0" : ">= 0")") }
        return x
    }

    func count(_ v: JSONValue?, _ owner: String?, _ path: String, high: Int64? = nil, low: Int64 = 1) throws -> Int64 {
        guard let x = v?.integerValue, x >= low, high.map({ x <= $0 }) ?? true else {
            throw fail("bad_count", owner, path, "\(shown(v)) must be an integer \(high.map { "\(low)..\($0)" } ?? ">= \(low)")")
        }
        return x
    }
}
