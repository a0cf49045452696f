import Foundation

/// One event field or user attribute of the data schema (docs/schema.md, as finlite-core's `SchemaField`):
/// `categorical` (ids from 2 in the order of `values`), `numeric` (a `transform`, optional `clip` and validity
/// bounds `min` / `max`) or `multi`.
public struct SchemaField: Decodable, Equatable {
    public let name: String
    public let kind: String
    public let column: String
    public let role: String
    public let values: [String]
    public let separator: String
    public let transform: String
    public let clip: [Double]?
    public let min: Double?
    public let max: Double?
    /// value → id (2..).
    public let ids: [String: Int32]

    public var vocabSize: Int { values.count + 2 }

    enum CodingKeys: String, CodingKey { case name, kind, column, role, values, separator, transform, clip, min, max }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(String.self, forKey: .kind)
        guard ["categorical", "numeric", "multi"].contains(kind) else {
            throw FinliteError.invalid("schema field \(name): unknown kind \"\(kind)\"")
        }
        column = try c.decodeIfPresent(String.self, forKey: .column) ?? name
        role = try c.decodeIfPresent(String.self, forKey: .role) ?? ""
        values = kind == "numeric" ? [] : try c.decode([String].self, forKey: .values)
        separator = try c.decodeIfPresent(String.self, forKey: .separator) ?? ";"
        transform = kind == "numeric" ? try c.decode(String.self, forKey: .transform) : ""
        guard kind != "numeric" || ["log1p", "signed_log1p", "identity"].contains(transform) else {
            throw FinliteError.invalid("schema field \(name): unknown transform \"\(transform)\"")
        }
        clip = try c.decodeIfPresent([Double].self, forKey: .clip)
        if let clip = clip, clip.count != 2 || clip[0] > clip[1] { throw FinliteError.invalid("schema field \(name): clip must be [low, high]") }
        min = try c.decodeIfPresent(Double.self, forKey: .min)
        max = try c.decodeIfPresent(Double.self, forKey: .max)
        guard Set(values).count == values.count else { throw FinliteError.invalid("schema field \(name): a value is listed twice") }
        ids = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, Int32($0 + 2)) })
    }
}

/// The data schema carried in a profile bundle's preprocess.json (`profile.schema`, format `Formats.schema`):
/// the role columns, the event and user fields, and the labels' stages, tags and products. Every vocabulary,
/// tag and stage the app uses comes from here.
public struct ProfileSchema: Decodable, Equatable {
    /// Id 0 = missing (an empty cell; also the padding of event rows), 1 = out of vocabulary; values from 2.
    public static let missingId: Int32 = 0
    public static let oovId: Int32 = 1

    public let eventUserId: String
    public let eventTimestamp: String
    public let userUserId: String
    public let eventFields: [SchemaField]
    public let userFields: [SchemaField]
    public let stages: [String]
    public let tags: [String]
    public let products: [String]

    /// The categorical event fields, the event name first: the `cat` columns before the hour.
    public var eventCategoricals: [SchemaField] {
        eventFields.filter { $0.kind == "categorical" && $0.role == "event" } + eventFields.filter { $0.kind == "categorical" && $0.role != "event" }
    }
    public var eventNumerics: [SchemaField] { eventFields.filter { $0.kind == "numeric" } }

    private struct Part: Decodable {
        var userId: String?
        var timestamp: String?
        var fields: [SchemaField]
        enum CodingKeys: String, CodingKey { case userId = "user_id", timestamp, fields }
    }
    private struct Tag: Decodable { var name: String }
    private struct Labels: Decodable { var stages: [String]; var tags: [Tag]; var products: [String] }
    enum CodingKeys: String, CodingKey { case format, events, users, labels }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try Formats.check(try c.decode(String.self, forKey: .format), Formats.schema, in: "profile schema")
        let events = try c.decode(Part.self, forKey: .events), users = try c.decode(Part.self, forKey: .users)
        let labels = try c.decode(Labels.self, forKey: .labels)
        let names = events.fields.filter { $0.role == "event" }
        guard names.count == 1, names[0].kind == "categorical" else {
            throw FinliteError.invalid("profile schema: exactly one categorical event field needs \"role\": \"event\", found \(names.count)")
        }
        guard !events.fields.contains(where: { $0.kind == "multi" }) else { throw FinliteError.invalid("profile schema: events have no multi fields") }
        eventUserId = events.userId ?? "user_id"
        eventTimestamp = events.timestamp ?? "timestamp"
        userUserId = users.userId ?? "user_id"
        (eventFields, userFields) = (events.fields, users.fields)
        (stages, tags, products) = (labels.stages, labels.tags.map(\.name), labels.products)
    }
}
