import Foundation

/// The streaming profile state of one user (docs/state.md, finlite/realtime/profile_state.py): the last
/// `maxEvents` events by (timestamp, arrival) in a ring, and the count of every event seen. `update` is O(1) for
/// an event at least as recent as the newest (a late one shifts the events it precedes); `inputs` gives exactly
/// `ProfileEncoder`'s tensors for every event seen. `toBytes` / `init(bytes:)` persist it in the
/// finlite.state/1 layout, tied to the bundle's preprocess.json by its sha256.
public struct ProfileState {
    public let spec: ProfileSpec
    public private(set) var count: UInt64 = 0
    public var attributes: AttributeRow?
    private let specId: [UInt8]
    private let parser: RawRowParser
    private let encoder: ProfileEncoder
    private var ring: [EventRow?]
    private var head = 0
    public private(set) var size = 0

    static let magic: [UInt8] = Array("FLST".utf8)
    static let version: UInt8 = 1
    static let headSize = 4 + 1 + 32 + 8 + 2 + 1

    public init(spec: ProfileSpec, specSha256: String) throws {
        guard specSha256.count == 64, let id = Self.hex(specSha256) else {
            throw FinliteError.invalid("specSha256 must be the 64 hex digits of the bundle's preprocess.json sha256")
        }
        (self.spec, self.specId) = (spec, id)
        parser = RawRowParser(schema: spec.schema)
        encoder = try ProfileEncoder(spec: spec)
        ring = [EventRow?](repeating: nil, count: spec.maxEvents)
    }

    private func at(_ i: Int) -> Int { (head + i) % spec.maxEvents }

    /// The window, oldest first.
    public var events: [EventRow] { (0..<size).map { ring[at($0)]! } }

    public mutating func update(_ event: EventRow) {
        count += 1
        if size == spec.maxEvents {
            if event.tsMs < ring[head]!.tsMs { return }  // older than the whole window: counted, not kept
            head = (head + 1) % spec.maxEvents
            size -= 1
        }
        var p = size  // after every event with ts <= this one's: among equal timestamps the later arrival is newer
        while p > 0 && ring[at(p - 1)]!.tsMs > event.tsMs { p -= 1 }
        var i = size
        while i > p { ring[at(i)] = ring[at(i - 1)]; i -= 1 }
        ring[at(p)] = event
        size += 1
    }

    /// One raw events row (cells as text, as in the files and golden.json).
    public mutating func update(row: RawRow) throws { update(try parser.event(row)) }

    /// The user's raw attribute row, or nil for none.
    public mutating func setAttributes(row: RawRow?) throws { attributes = try row.map(parser.attributes) }

    /// The model inputs at `asOfMs`, which must not be before the newest event (pass max(now, newest)).
    public func inputs(asOfMs: Int64) throws -> ProfileInputs {
        if size > 0, let newest = ring[at(size - 1)]?.tsMs, asOfMs < newest {
            throw FinliteError.invalid("as_of_ms \(asOfMs) is before the newest event in the state (\(newest)); pass max(now, newest event)")
        }
        return encoder.encode(events: events, attributes: attributes, asOfMs: asOfMs, eventCount: Int(count))
    }

    public func toBytes() -> Data {
        var out = Data(Self.magic)
        out.append(Self.version)
        out.append(contentsOf: specId)
        Self.put(&out, count)
        Self.put(&out, UInt16(size))
        out.append(attributes == nil ? 0 : 1)
        if let a = attributes {
            for (i, f) in spec.schema.userFields.enumerated() {
                switch f.kind {
                case "numeric": Self.put(&out, a.values[i].bitPattern)
                case "categorical": Self.put(&out, a.ids[i])
                default: out.append(contentsOf: a.multi[i].map { $0 ? UInt8(1) : 0 })
                }
            }
        }
        for e in events {
            Self.put(&out, e.tsMs)
            for c in e.cats { Self.put(&out, c) }
            for x in e.nums { Self.put(&out, x.bitPattern) }
        }
        return out
    }

    /// A state `toBytes` wrote for the bundle whose preprocess.json has sha256 `specSha256`; one-line errors.
    public init(spec: ProfileSpec, specSha256: String, bytes: Data) throws {
        try self.init(spec: spec, specSha256: specSha256)
        let b = [UInt8](bytes)
        let schema = spec.schema
        func fail(_ m: String) -> FinliteError { .invalid("state: \(m)") }
        guard b.count >= Self.headSize else { throw fail("\(b.count) bytes, shorter than the \(Self.headSize)-byte header (truncated)") }
        guard Array(b[0..<4]) == Self.magic else { throw fail("not a finlite.state/1 blob (magic \(String(decoding: b[0..<4], as: UTF8.self)))") }
        guard b[4] == Self.version else { throw fail("version \(b[4]), FinliteKit reads finlite.state/1 (version 1)") }
        guard Array(b[5..<37]) == specId else {
            throw fail("written for another preprocess.json (sha256 differs): another model or spec; start a new state")
        }
        var r = Reader(bytes: b, at: 37)
        let total: UInt64 = r.read(), kept = Int(r.read() as UInt16), hasAttributes = r.byte()
        guard kept <= spec.maxEvents, UInt64(kept) <= total, hasAttributes <= 1 else {
            throw fail("corrupted header (\(kept) kept of \(total) events, window \(spec.maxEvents))")
        }
        let attributeBytes = schema.userFields.reduce(0) { $0 + ($1.kind == "multi" ? $1.values.count : 4) }
        let eventBytes = 8 + 4 * schema.eventCategoricals.count + 4 * schema.eventNumerics.count
        let expected = Self.headSize + (hasAttributes == 1 ? attributeBytes : 0) + kept * eventBytes
        guard b.count == expected else { throw fail("\(b.count) bytes, expected \(expected) for \(kept) events (truncated or corrupted)") }
        if hasAttributes == 1 {
            let fields = schema.userFields
            var a = AttributeRow(ids: [Int32](repeating: 0, count: fields.count), values: [Float](repeating: .nan, count: fields.count),
                                 multi: [[Bool]](repeating: [], count: fields.count))
            for (i, f) in fields.enumerated() {
                switch f.kind {
                case "numeric": a.values[i] = Float(bitPattern: r.read())
                case "categorical":
                    a.ids[i] = r.read()
                    guard a.ids[i] >= 0, Int(a.ids[i]) < f.vocabSize else { throw fail("user field '\(f.name)' id \(a.ids[i]) outside its vocabulary (corrupted)") }
                default:
                    let hot = (0..<f.values.count).map { _ in r.byte() }
                    guard hot.allSatisfy({ $0 <= 1 }) else { throw fail("multi field '\(f.name)' holds a byte other than 0 / 1 (corrupted)") }
                    a.multi[i] = hot.map { $0 == 1 }
                }
            }
            attributes = a
        }
        var previous = Int64.min
        for k in 0..<kept {
            let ts: Int64 = r.read()
            let cats: [Int32] = schema.eventCategoricals.map { _ in r.read() }
            let nums: [Float] = schema.eventNumerics.map { _ in Float(bitPattern: r.read()) }
            let badId = zip(cats, schema.eventCategoricals).contains { $0 < 0 || Int($0) >= $1.vocabSize }
            guard ts >= previous, !badId else { throw fail("events out of order or an id outside its vocabulary (corrupted)") }
            previous = ts
            ring[k] = EventRow(tsMs: ts, cats: cats, nums: nums)
        }
        size = kept
        count = total
    }

    private static func put<T: FixedWidthInteger>(_ out: inout Data, _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func hex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        var out: [UInt8] = []
        for i in stride(from: 0, to: u.count, by: 2) {
            guard let byte = UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }

    /// Little-endian reads from a blob whose length was checked first.
    private struct Reader {
        let bytes: [UInt8]
        var at: Int
        mutating func byte() -> UInt8 { at += 1; return bytes[at - 1] }
        mutating func read<T: FixedWidthInteger>() -> T {
            var value: T = 0
            for i in 0..<MemoryLayout<T>.size { value |= T(truncatingIfNeeded: bytes[at + i]) << (8 * i) }
            at += MemoryLayout<T>.size
            return value
        }
    }
}
