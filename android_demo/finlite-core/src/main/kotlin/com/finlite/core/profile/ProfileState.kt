package com.finlite.core.profile

import java.nio.ByteBuffer
import java.nio.ByteOrder

/** A persisted state that cannot be read (truncated, corrupted, another version or another spec); one line. */
class StateException(message: String) : IllegalArgumentException(message)

/**
 * The streaming profile state of one user (docs/state.md, finlite/realtime/profile_state.py): the last
 * `maxEvents` events by (timestamp, arrival) in a ring, and the count of every event seen. [update] is O(1)
 * for an event at least as recent as the newest (a late one shifts the events it precedes); [inputs] gives
 * exactly [ProfileEncoder]'s tensors for every event seen. [toBytes] / [fromBytes] persist it in the
 * finlite.state/1 layout, tied to the bundle's preprocess.json by its sha256.
 */
class ProfileState(val spec: ProfileSpec, specSha256: String) {
    private val specId: ByteArray = hex(specSha256)
    private val capacity = spec.maxEvents
    private val parser = RawRowParser(spec.schema)
    private val encoder = ProfileEncoder(spec)
    private val ts = LongArray(capacity)
    private val rows = arrayOfNulls<EventRow>(capacity)
    private var head = 0 // ring index of the oldest kept event
    var size = 0
        private set
    var count = 0L
        private set
    var attributes: AttributeRow? = null

    private fun at(i: Int) = (head + i) % capacity

    /** The window, oldest first. */
    fun events(): List<EventRow> = (0 until size).map { rows[at(it)]!! }

    fun update(event: EventRow) {
        count++
        if (size == capacity) {
            if (event.tsMs < ts[head]) return // older than the whole window: counted, not kept
            head = (head + 1) % capacity
            size--
        }
        var p = size // after every event with ts <= this one's: among equal timestamps the later arrival is newer
        while (p > 0 && ts[at(p - 1)] > event.tsMs) p--
        for (i in size downTo p + 1) {
            ts[at(i)] = ts[at(i - 1)]
            rows[at(i)] = rows[at(i - 1)]
        }
        ts[at(p)] = event.tsMs
        rows[at(p)] = event
        size++
    }

    /** One raw events row (cells as strings, as in the files and golden.json). */
    fun updateRow(row: Map<String, String>, where: String = "event") = update(parser.event(row, where))

    /** The user's raw attribute row, or null for none. */
    fun setAttributeRow(row: Map<String, String>?) {
        attributes = row?.let { parser.attributes(it) }
    }

    /** The model inputs at [asOfMs], which must not be before the newest event (pass max(now, newest)). */
    fun inputs(asOfMs: Long): ProfileInputs {
        if (size > 0 && asOfMs < ts[at(size - 1)]) {
            throw StateException("as_of_ms $asOfMs is before the newest event in the state (${ts[at(size - 1)]}); pass max(now, newest event)")
        }
        return encoder.encode(events(), attributes, asOfMs, count)
    }

    fun toBytes(): ByteArray {
        val schema = spec.schema
        val a = attributes
        val buffer = ByteBuffer.allocate(HEAD + (if (a != null) attributeBytes(schema) else 0) + size * eventBytes(schema)).order(ByteOrder.LITTLE_ENDIAN)
        buffer.put(MAGIC).put(VERSION).put(specId).putLong(count).putShort(size.toShort()).put((if (a != null) 1 else 0).toByte())
        if (a != null) {
            for ((i, f) in schema.userFields.withIndex()) {
                when (f.kind) {
                    "numeric" -> buffer.putFloat(a.values[i].toFloat())
                    "categorical" -> buffer.putInt(a.ids[i])
                    else -> for (v in a.multi[i]) buffer.put(v.toByte())
                }
            }
        }
        for (e in events()) {
            buffer.putLong(e.tsMs)
            for (c in e.cats) buffer.putInt(c)
            for (x in e.nums) buffer.putFloat(x.toFloat())
        }
        return buffer.array()
    }

    companion object {
        private val MAGIC = "FLST".toByteArray(Charsets.US_ASCII)
        private const val VERSION: Byte = 1
        private const val HEAD = 4 + 1 + 32 + 8 + 2 + 1

        private fun attributeBytes(schema: ProfileSchema) = schema.userFields.sumBy { if (it.kind == "multi") it.values.size else 4 }
        private fun eventBytes(schema: ProfileSchema) = 8 + 4 * schema.eventCategoricals.size + 4 * schema.eventNumerics.size

        private fun hex(text: String): ByteArray {
            require(text.length == 64) { "specSha256 must be the 64 hex digits of the bundle's preprocess.json sha256" }
            return ByteArray(32) { text.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
        }

        /** A state [toBytes] wrote for the bundle whose preprocess.json has sha256 [specSha256]. */
        fun fromBytes(spec: ProfileSpec, specSha256: String, blob: ByteArray): ProfileState {
            val state = ProfileState(spec, specSha256)
            val schema = spec.schema
            if (blob.size < HEAD) throw StateException("state: ${blob.size} bytes, shorter than the $HEAD-byte header (truncated)")
            val b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN)
            val magic = ByteArray(4).also { b.get(it) }
            if (!magic.contentEquals(MAGIC)) throw StateException("state: not a finlite.state/1 blob (magic ${String(magic, Charsets.ISO_8859_1)})")
            val version = b.get()
            if (version != VERSION) throw StateException("state: version $version, this finlite-core reads finlite.state/1 (version 1)")
            val digest = ByteArray(32).also { b.get(it) }
            if (!digest.contentEquals(state.specId)) {
                throw StateException("state: written for another preprocess.json (sha256 differs): another model or spec; start a new state")
            }
            val count = b.long
            val kept = b.short.toInt() and 0xFFFF
            val hasAttributes = b.get().toInt()
            if (count < 0 || kept > spec.maxEvents || kept > count || hasAttributes !in 0..1) {
                throw StateException("state: corrupted header ($kept kept of $count events, window ${spec.maxEvents})")
            }
            val expected = HEAD + (if (hasAttributes == 1) attributeBytes(schema) else 0) + kept * eventBytes(schema)
            if (blob.size != expected) throw StateException("state: ${blob.size} bytes, expected $expected for $kept events (truncated or corrupted)")
            if (hasAttributes == 1) {
                val fields = schema.userFields
                val ids = IntArray(fields.size)
                val values = DoubleArray(fields.size) { Double.NaN }
                val multi = ArrayList<IntArray>(fields.size)
                for ((i, f) in fields.withIndex()) {
                    var hot = IntArray(0)
                    when (f.kind) {
                        "numeric" -> values[i] = b.float.toDouble()
                        "categorical" -> {
                            ids[i] = b.int
                            if (ids[i] !in 0 until f.vocabSize) throw StateException("state: user field '${f.name}' id ${ids[i]} outside its vocabulary (corrupted)")
                        }
                        else -> {
                            hot = IntArray(f.values.size) { b.get().toInt() }
                            if (hot.any { it !in 0..1 }) throw StateException("state: multi field '${f.name}' holds a byte other than 0 / 1 (corrupted)")
                        }
                    }
                    multi.add(hot)
                }
                state.attributes = AttributeRow(ids, values, multi)
            }
            var previous = Long.MIN_VALUE
            for (k in 0 until kept) {
                val t = b.long
                val cats = IntArray(schema.eventCategoricals.size) { b.int }
                val nums = DoubleArray(schema.eventNumerics.size) { b.float.toDouble() }
                val badId = cats.withIndex().any { (i, c) -> c !in 0 until schema.eventCategoricals[i].vocabSize }
                if (t < previous || badId) throw StateException("state: events out of order or an id outside its vocabulary (corrupted)")
                previous = t
                state.ts[k] = t
                state.rows[k] = EventRow(t, cats, nums)
            }
            state.size = kept
            state.count = count
            return state
        }
    }
}
