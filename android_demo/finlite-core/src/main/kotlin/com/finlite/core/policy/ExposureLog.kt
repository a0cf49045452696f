package com.finlite.core.policy

import com.finlite.core.json.Json
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.Timestamps
import com.finlite.core.triggers.TriggerJson

/** A log line that is not an entry, or two logs that disagree on one entry (`[conflict]`). */
class ExposureLogException(message: String) : IllegalArgumentException(message)

/** One log entry: an `exposure` (delivered, or would-be delivered in a holdout) or a `reset` ("reset my profile"). */
data class LogEntry(
    val id: String, val kind: String, val user: String, val at: Long, val offer: String = "", val category: String = "",
    val channel: String = "", val arm: String = "", val shown: Boolean = true
) {
    fun toJson(): Map<String, Any?> = if (kind == "reset") {
        linkedMapOf("id" to id, "kind" to "reset", "user" to user, "at" to Timestamps.format(at))
    } else {
        linkedMapOf("id" to id, "kind" to "exposure", "user" to user, "offer" to offer, "category" to category,
            "channel" to channel, "at" to Timestamps.format(at), "arm" to arm, "shown" to shown)
    }

    companion object {
        private val EXPOSURE_KEYS = listOf("id", "kind", "user", "offer", "category", "channel", "at", "arm", "shown")
        private val RESET_KEYS = listOf("id", "kind", "user", "at")
        private val SEQ = Regex("^[1-9][0-9]{0,17}$")  // a sequence fits a Long

        /** An entry of parsed JSON; [where] names the line in errors. */
        fun fromJson(data: Any?, where: String): LogEntry {
            val kind = (data as? JsonObject)?.opt("kind")
            if (data !is JsonObject || (kind != "exposure" && kind != "reset")) {
                throw ExposureLogException("$where: an entry is a JSON object with kind exposure or reset")
            }
            val keys = if (kind == "reset") RESET_KEYS else EXPOSURE_KEYS
            if (data.keys != keys.toSet()) throw ExposureLogException("$where: a $kind entry has exactly the keys $keys, got ${data.keys.sorted()}")
            for (k in keys) {
                val v = data.opt(k)
                if (k != "shown" && (v !is String || v.isEmpty())) throw ExposureLogException("$where, field '$k': a non-empty string is needed")
            }
            if (kind == "exposure" && data.opt("shown") !is Boolean) throw ExposureLogException("$where, field 'shown': true or false")
            val id = data.string("id")
            val colon = id.lastIndexOf(':')
            if (colon <= 0 || !SEQ.matches(id.substring(colon + 1))) {
                throw ExposureLogException("$where, field 'id': '$id' is not DEVICE:SEQUENCE (a number from 1)")
            }
            val at = Timestamps.parseIsoOrNull(data.string("at").trim())
                ?: throw ExposureLogException("$where, field 'at': '${data.string("at")}' is not an ISO 8601 time")
            if (kind == "reset") return LogEntry(id, "reset", data.string("user"), at)
            return LogEntry(id, "exposure", data.string("user"), at, data.string("offer"), data.string("category"),
                data.string("channel"), data.string("arm"), data.bool("shown"))
        }
    }
}

/**
 * The exposure log (finlite/realtime/policy/exposure_log.py): entries in (at, id) order; merge is the union by
 * id (the same id with other content is a conflict); a reset drops the user's exposures at or before it, also
 * those arriving later in a merge. [device] numbers the entries this log appends: the highest it has used + 1.
 */
class ExposureLog(val device: String, entries: Iterable<LogEntry> = listOf()) : Iterable<LogEntry> {
    private var byId = LinkedHashMap<String, LogEntry>()
    private val resets = HashMap<String, Long>()  // user -> latest reset time
    private var sorted = ArrayList<LogEntry>()
    private var high = 0L  // the highest sequence of this device's entries seen

    init {
        if (device.isEmpty() || device.contains(':')) throw ExposureLogException("device '$device': a non-empty id without ':' is needed")
        merge(entries)
    }

    override fun iterator(): Iterator<LogEntry> = sorted.iterator()

    val size: Int get() = sorted.size

    /** The user's exposures at or before [untilMs] (after the user's latest reset), oldest first. */
    fun forUser(user: String, untilMs: Long): List<LogEntry> = sorted.filter { it.kind == "exposure" && it.user == user && it.at <= untilMs }

    fun nextId(): String = "$device:${high + 1}"

    fun appendExposure(user: String, offer: String, category: String, channel: String, at: Long, arm: String, shown: Boolean): LogEntry {
        val entry = LogEntry(nextId(), "exposure", user, at, offer, category, channel, arm, shown)
        merge(listOf(entry))
        return entry
    }

    /** "Reset my profile": the user's exposures at or before [at] are dropped and stop counting. */
    fun reset(user: String, at: Long): LogEntry {
        val entry = LogEntry(nextId(), "reset", user, at)
        merge(listOf(entry))
        return entry
    }

    /** Union by id; the same id with other content is a `[conflict]`. */
    fun merge(entries: Iterable<LogEntry>) {
        var rebuild = false
        for (e in entries) {
            val reset = resets[e.user]
            if (e.kind == "exposure" && reset != null && e.at <= reset) continue  // erased by a reset this log has seen
            val known = byId[e.id]
            if (known != null) {
                if (known != e) throw ExposureLogException("log entry '${e.id}' differs between the two logs [conflict]")
                continue
            }
            byId[e.id] = e
            val colon = e.id.lastIndexOf(':')  // 'phone:srv:7' is device 'phone:srv''s, not 'phone''s
            if (e.id.substring(0, colon) == device) high = maxOf(high, e.id.substring(colon + 1).toLong())
            val last = sorted.lastOrNull()
            if (e.kind == "reset") {
                resets[e.user] = maxOf(e.at, reset ?: e.at)
                rebuild = true
            } else if (!rebuild && (last == null || last.at < e.at || (last.at == e.at && last.id < e.id))) {
                sorted.add(e)  // the common case: a new latest entry
            } else {
                rebuild = true
            }
        }
        if (rebuild) rebuild()
    }

    private fun rebuild() {
        val kept = LinkedHashMap<String, LogEntry>()
        for ((id, e) in byId) {
            val reset = resets[e.user]
            if (e.kind == "reset" || reset == null || e.at > reset) kept[id] = e
        }
        byId = kept
        sorted = ArrayList(kept.values.sortedWith(compareBy<LogEntry> { it.at }.thenBy { it.id }))
    }

    /** One JSON object per line, in (at, id) order. */
    fun toLines(): String = sorted.joinToString("") { TriggerJson.write(it.toJson()) + "\n" }

    companion object {
        /** The entries of JSON-lines [text]; [where] names the file in errors (`log line N: …`). */
        fun readEntries(text: String, where: String = "log"): List<LogEntry> {
            val out = ArrayList<LogEntry>()
            text.split('\n').forEachIndexed { i, line ->
                if (line.isBlank()) return@forEachIndexed
                val data = try { Json.parse(line, "$where line ${i + 1}") } catch (e: JsonException) {
                    throw ExposureLogException("$where line ${i + 1}: not JSON (${e.message})")
                }
                out.add(LogEntry.fromJson(data, "$where line ${i + 1}"))
            }
            return out
        }
    }
}
