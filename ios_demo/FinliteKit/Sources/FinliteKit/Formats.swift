/// Every `finlite.*` format string FinliteKit reads, defined once (finlite-core's Kotlin `Formats` holds the
/// same values). A file or block of another format is refused by `check`, with the same wording on both platforms.
public enum Formats {
    /// manifest.json
    public static let bundle = "finlite.bundle/1"
    /// preprocess.json
    public static let preprocess = "finlite.preprocess/1"
    /// golden.json (read by the tests)
    public static let golden = "finlite.golden/1"
    /// The `text` spec of an intent bundle's preprocess.json.
    public static let text = "finlite.text/1"
    /// The `profile` spec and the `tensors` description of a profile bundle's preprocess.json.
    public static let profile = "finlite.profile/2"
    /// The data schema inside a profile spec (its `schema`: fields, vocabularies, tags, stages; docs/schema.md).
    public static let schema = "finlite.schema/1"
    /// An offer policy (docs/policy.md).
    public static let policy = "finlite.policy/1"

    /// Throws `unsupported("<place>: <field> "<found>", this library reads <expected>")` unless `found == expected`.
    public static func check(_ found: String, _ expected: String, in place: String, field: String = "format") throws {
        guard found == expected else {
            throw FinliteError.unsupported("\(place): \(field) \"\(found)\", this library reads \(expected)")
        }
    }
}
