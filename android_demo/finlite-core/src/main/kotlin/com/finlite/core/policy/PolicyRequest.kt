package com.finlite.core.policy

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.profile.Timestamps
import com.finlite.core.triggers.SpecReading
import com.finlite.core.triggers.shownValue

/**
 * A checked decision request (finlite/realtime/policy/request.py). [attributes]: name -> String (categorical),
 * Double (numeric) or List<String> (multi); [scores]: source -> its parsed scores object.
 */
class PolicyRequest(
    val at: Long, val user: String, val trigger: String?, val channels: List<String>, val attributes: Map<String, Any>,
    val scores: Map<String, JsonObject>, val timeZone: String?
) {
    companion object {
        private val ALLOWED = listOf("at", "user", "trigger", "channels", "attributes", "scores", "time_zone")

        private fun fail(code: String, path: String, message: String) = PolicySpecException(code, "request, field '$path': $message [$code]")

        /** Checks a request (parsed JSON) against the policy and the schema; one line naming the field otherwise. */
        fun parse(data: Any?, policy: Policy, schema: ProfileSchema): PolicyRequest {
            if (data !is JsonObject) throw fail("bad_type", "", "a request is a JSON object")
            for (key in data.keys) if (key !in ALLOWED) throw fail("unknown_key", key, "unknown key; expected one of ${ALLOWED.sorted()}")
            for (key in listOf("at", "user", "channels")) if (!data.has(key)) throw fail("missing_key", key, "is required")
            val rawAt = data.opt("at")
            val at = (rawAt as? String)?.let { Timestamps.parseIsoOrNull(it.trim()) }
                ?: throw fail("bad_time", "at", "${shownValue(rawAt)} is not an ISO 8601 time")
            val user = data.opt("user")
            if (user !is String || user.isEmpty()) throw fail("bad_type", "user", "a non-empty user id is needed")
            val trigger = data.opt("trigger")
            if (trigger != null && trigger !is String) throw fail("bad_type", "trigger", "a trigger id or null")
            val channels = data.opt("channels") as? JsonArray ?: throw fail("bad_type", "channels", "a list of channel ids is needed")
            val known = policy.channels.map { it.id }
            channels.list.forEachIndexed { j, c -> if (c !in known) throw fail("unknown_channel", "channels[$j]", "${shownValue(c)} is not a channel of this policy") }
            val zone = data.opt("time_zone")
            if (zone != null && (zone !is String || !SpecReading.knownZone(zone))) {
                throw fail("bad_time_zone", "time_zone", "${shownValue(zone)} is not an IANA time zone")
            }
            return PolicyRequest(at, user, trigger as String?, channels.strings(), attributes(data.opt("attributes"), schema),
                scores(data.opt("scores")), zone as String?)
        }

        /** Python's falsiness of a parsed JSON value (the reference reads `data.get("attributes") or {}`). */
        private fun falsy(v: Any?): Boolean = v == null || v == false || v == 0L || v == 0.0 || v == "" ||
            (v is JsonArray && v.size == 0) || (v is JsonObject && v.map.isEmpty())

        private fun attributes(raw: Any?, schema: ProfileSchema): Map<String, Any> {
            if (falsy(raw)) return mapOf()
            if (raw !is JsonObject) throw fail("bad_type", "attributes", "a JSON object of attribute values is needed")
            val fields = schema.userFields.associateBy { it.name }
            val out = LinkedHashMap<String, Any>()
            for ((name, value) in raw.map) {
                val f = fields[name]
                val path = "attributes.$name"
                if (f == null) throw fail("unknown_field", path, "the users have no attribute '$name'")
                if (value == null) continue
                out[name] = when (f.kind) {
                    "numeric" -> SpecReading.jsonNumber(value) ?: throw fail("bad_type", path, "'$name' is numeric; ${shownValue(value)} is not a number")
                    "categorical" -> value as? String ?: throw fail("bad_type", path, "'$name' is categorical; a string is needed")
                    else -> if (value is JsonArray && value.list.all { it is String }) value.strings()
                        else throw fail("bad_type", path, "'$name' is multi; a list of strings is needed")
                }
            }
            return out
        }

        private fun scores(raw: Any?): Map<String, JsonObject> {
            if (falsy(raw)) return mapOf()
            if (raw !is JsonObject) throw fail("bad_type", "scores", "a JSON object of score sources is needed")
            val out = LinkedHashMap<String, JsonObject>()
            for ((source, table) in raw.map) {
                if (table !is JsonObject) throw fail("bad_type", "scores.$source", "scores are {\"stage\": {...}, \"tags\": {...}, \"products\": {...}}")
                for ((part, values) in table.map) {
                    if (part !in listOf("stage", "tags", "products")) throw fail("unknown_key", "scores.$source.$part", "expected stage, tags or products")
                    if (values !is JsonObject || !values.map.values.all { SpecReading.jsonNumber(it) != null }) {
                        throw fail("bad_type", "scores.$source.$part", "a JSON object of numbers is needed")
                    }
                }
                out[source] = table
            }
            return out
        }
    }
}
