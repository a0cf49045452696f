import Foundation

/// Raw event rows (as an events file holds them: column -> text) through a trigger engine (finlite-core's TriggerFeed).
public enum TriggerFeed {
    /// Reads a `finlite.triggers/1` spec's bytes against the bundle's `schema`.
    public static func spec(_ data: Data, schema: ProfileSchema, source: String = "triggers.json") throws -> TriggerSpec {
        try TriggerSpec.parse(try StrictJSON.parse(data), schema: schema, where: source)
    }

    /// Feeds `rows` (time order) into `engine`, then ticks the clock to `nowMs`; the firings, in order.
    public static func feed(_ engine: TriggerEngine, schema: ProfileSchema, rows: [RawRow], nowMs: Int64) throws -> [Firing] {
        var out: [Firing] = []
        for row in rows {
            var fields: [(String, JSONValue)] = []
            for f in schema.eventFields { if let v = row[f.column], !v.isEmpty { fields.append((f.name, .string(v))) } }
            guard let ts = row[schema.eventTimestamp] else { throw FinliteError.invalid("event row without '\(schema.eventTimestamp)'") }
            out += engine.event(try Timestamps.parse(ts), .object(fields))
        }
        return out + engine.tick(nowMs)
    }

    /// One line per firing for a screen: `time  trigger [group]  values`.
    public static func describe(_ f: Firing) -> String {
        "\(TriggerTime.iso(f.time))  \(f.trigger)\(f.group.map { " [\($0)]" } ?? "")  \(f.values.text)"
    }
}
