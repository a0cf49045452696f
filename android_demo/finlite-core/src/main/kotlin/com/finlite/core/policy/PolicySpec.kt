package com.finlite.core.policy

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.triggers.SpecReading
import com.finlite.core.triggers.shownValue

/** The offer policy format this engine reads (docs/policy.md). */
const val POLICY_FORMAT = "finlite.policy/1"

/** Experiment buckets: a user's bucket is in 0 until [BUCKETS]. */
const val BUCKETS = 10_000

/** A policy, request or log that cannot be used; [code] names the rule (the same codes as finlite's Python reader). */
class PolicySpecException(val code: String, message: String) : IllegalArgumentException(message)

/** A channel; [quietHours] is (from, to) in minutes of the local day. */
class PolicyChannel(val id: String, val minIntervalMs: Long, val quietHours: Pair<Int, Int>?)

/** A checked offer; [eligible] are its conditions as written. */
class Offer(
    val id: String, val product: String, val category: String, val channels: List<String>, val value: Double,
    val why: String, val risk: String?, val validFrom: String?, val validUntil: String?, val triggers: List<String>?,
    val eligible: List<JsonObject>
)

/** A frequency cap: rolling ([windowMs]) or calendar ([per]: day, week, month, ever). */
class Cap(val scope: String, val max: Long, val match: String?, val windowMs: Long?, val per: String?)

/** An experiment arm: buckets [start] until start + [buckets]. */
class Arm(
    val id: String, val start: Int, val buckets: Int, val scores: String = "default", val holdout: Boolean = false,
    val model: Boolean = true, val lambda: Double? = null, val by: String? = null
)

/** A checked policy; [categories] in order of first appearance among the offers. */
class Policy(
    val timeZone: String, val channels: List<PolicyChannel>, val offers: List<Offer>, val caps: List<Cap>,
    val arms: List<Arm>, val categories: List<String>, val suitability: Pair<String, List<String>>?, val holdings: String?,
    val by: String, val slots: Int, val lambda: Double, val historyMs: Long, val dedupWindowMs: Long, val salt: String
) {
    fun channel(id: String): PolicyChannel = channels.first { it.id == id }

    companion object {
        /** Checks [data] against [schema]; every problem is a one-line [PolicySpecException]. */
        fun parse(data: Any?, schema: ProfileSchema, where: String = "policy"): Policy = PolicyReader(schema, where).policy(data)
    }
}

private val TIME_RE = Regex("^([01][0-9]|2[0-3]):([0-5][0-9])$")
private val DATE_RE = Regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
internal val RANKINGS = listOf("propensity_x_value", "value")
private val SCOPES = listOf("global", "offer", "category", "channel")
private val PERIODS = listOf("day", "week", "month", "ever")
private const val MAX_CHANNELS = 16
private const val MAX_OFFERS = 1024
private const val MAX_CAPS = 64
private const val MAX_SLOTS = 16L
private const val MAX_ARMS = 16

/** The reader of policy.json, in the Python reader's order of checks (finlite/realtime/policy/spec.py). */
internal class PolicyReader(val schema: ProfileSchema, where: String) : SpecReading(where, "offer", ::PolicySpecException) {
    val users = schema.userFields.associateBy { it.name }
    var channelIds: List<String> = listOf()
    var levels: List<String>? = null

    fun policy(data: Any?): Policy {
        if (data !is JsonObject) throw fail("bad_type", null, "", "a policy is a JSON object")
        keys(data, null, "", listOf("format", "time_zone", "channels", "offers"),
            listOf("description", "suitability", "holdings", "ranking", "caps", "dedup_window_ms", "experiment"))
        val format = data.opt("format")
        if (format != POLICY_FORMAT) throw fail("bad_format", null, "format", "unsupported format ${shownValue(format)} (this finlite reads '$POLICY_FORMAT')")
        val zone = zone(data.opt("time_zone"))
        val channels = channels(data.opt("channels"))
        val suitability = if (data.has("suitability")) suitability(data.opt("suitability")) else null
        val holdings = if (data.has("holdings")) userField(data.opt("holdings"), null, "holdings", listOf("multi")) else null
        channelIds = channels.map { it.id }
        levels = suitability?.second
        val offers = listed(data.opt("offers"), "offers", MAX_OFFERS, false) { item, i -> PolicyOfferReader(this).offer(item, i) }
        unique(offers.map { it.id }, "offers", "offer")
        val ranking = if (data.has("ranking")) data.opt("ranking") else JsonObject(mapOf(), "ranking")
        if (ranking !is JsonObject) throw fail("bad_type", null, "ranking", "ranking is a JSON object")
        keys(ranking, null, "ranking.", listOf(), listOf("by", "slots", "lambda", "history_ms"))
        val caps = listed(if (data.has("caps")) data.opt("caps") else JsonArray(listOf(), "caps"), "caps", MAX_CAPS, true) { item, i -> cap(item, i) }
        val experiment = if (data.has("experiment")) experiment(data.opt("experiment")) else Pair("", listOf(Arm("default", 0, BUCKETS)))
        fun opt(o: JsonObject, key: String, default: Any): Any? = if (o.has(key)) o.opt(key) else default
        return Policy(
            zone, channels, offers, caps, experiment.second, offers.map { it.category }.distinct(), suitability, holdings,
            rankingBy(opt(ranking, "by", "propensity_x_value"), "ranking.by"),
            count(opt(ranking, "slots", 1L), null, "ranking.slots", MAX_SLOTS).toInt(),
            number(opt(ranking, "lambda", 0.0), null, "ranking.lambda", 0.0, 1.0),
            duration(opt(ranking, "history_ms", 0L), null, "ranking.history_ms"),
            duration(opt(data, "dedup_window_ms", 0L), null, "dedup_window_ms"),
            experiment.first
        )
    }

    fun <T> listed(items: Any?, path: String, limit: Int, allowEmpty: Boolean, read: (Any?, Int) -> T): List<T> {
        if (items !is JsonArray || (items.size == 0 && !allowEmpty)) {
            throw fail("bad_type", null, path, "a ${if (allowEmpty) "" else "non-empty "}list is needed")
        }
        if (items.size > limit) throw fail("too_many", null, path, "${items.size} entries, more than $limit")
        return (0 until items.size).map { read(items[it], it) }
    }

    fun unique(ids: List<String>, path: String, what: String) {
        ids.forEachIndexed { i, x -> if (x in ids.subList(0, i)) throw fail("duplicate_id", null, "$path[$i].id", "$what id '$x' is used twice") }
    }

    fun userField(name: Any?, owner: String?, path: String, kinds: List<String>): String {
        val f = (name as? String)?.let { users[it] } ?: throw fail("unknown_field", owner, path, "the users have no attribute ${shownValue(name)}")
        if (f.kind !in kinds) throw fail("wrong_kind", owner, path, "'${f.name}' is ${f.kind}; expected ${kinds.joinToString(" or ")}")
        return f.name
    }

    fun rankingBy(value: Any?, path: String): String {
        if (value !is String || value !in RANKINGS) throw fail("unknown_value", null, path, "${shownValue(value)}; expected one of $RANKINGS")
        return value
    }

    fun minutes(value: Any?, path: String): Int {
        val m = (value as? String)?.let { TIME_RE.matchEntire(it) } ?: throw fail("bad_time", null, path, "${shownValue(value)} is not a time of day HH:MM")
        return m.groupValues[1].toInt() * 60 + m.groupValues[2].toInt()
    }

    /** A local date `YYYY-MM-DD` that exists (year 1 or later, as Python's date.fromisoformat). */
    fun date(value: Any?, owner: String, path: String): String {
        val ok = value is String && DATE_RE.matches(value) && value.substring(0, 4) != "0000" &&
            com.finlite.core.profile.Timestamps.parseOrNull(value) != null
        if (!ok) throw fail("bad_time", owner, path, "${shownValue(value)} is not a date YYYY-MM-DD")
        return value as String
    }

    fun channels(items: Any?): List<PolicyChannel> {
        val channels = listed(items, "channels", MAX_CHANNELS, false) { item, i ->
            val path = "channels[$i]"
            if (item !is JsonObject) throw fail("bad_type", null, path, "a channel is a JSON object")
            keys(item, null, "$path.", listOf("id"), listOf("min_interval_ms", "quiet_hours", "description"))
            var quiet: Pair<Int, Int>? = null
            if (item.has("quiet_hours")) {
                val q = item.opt("quiet_hours") as? JsonObject
                    ?: throw fail("bad_time", null, "$path.quiet_hours", "quiet hours are {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}")
                keys(q, null, "$path.quiet_hours.", listOf("from", "to"), listOf())
                quiet = Pair(minutes(q.opt("from"), "$path.quiet_hours.from"), minutes(q.opt("to"), "$path.quiet_hours.to"))
                if (quiet.first == quiet.second) throw fail("bad_time", null, "$path.quiet_hours", "from and to are equal")
            }
            PolicyChannel(ident(item.opt("id"), null, "$path.id"),
                duration(if (item.has("min_interval_ms")) item.opt("min_interval_ms") else 0L, null, "$path.min_interval_ms"), quiet)
        }
        unique(channels.map { it.id }, "channels", "channel")
        return channels
    }

    fun suitability(s: Any?): Pair<String, List<String>> {
        if (s !is JsonObject) throw fail("bad_type", null, "suitability", "suitability is {\"attribute\": A, \"levels\": [...]}")
        keys(s, null, "suitability.", listOf("attribute", "levels"), listOf())
        val name = userField(s.opt("attribute"), null, "suitability.attribute", listOf("categorical"))
        val levels = s.opt("levels")
        val vocabulary = users.getValue(name).values
        if (levels !is JsonArray || levels.size == 0 || levels.list.map { pythonStr(it) }.toSet().size != levels.size) {
            throw fail("bad_type", null, "suitability.levels", "a non-empty list of distinct levels is needed")
        }
        levels.list.forEachIndexed { j, v ->
            if (v !is String || v !in vocabulary) throw fail("unknown_value", null, "suitability.levels[$j]", "${shownValue(v)} is not in the vocabulary of '$name'")
        }
        return Pair(name, levels.strings())
    }

    fun cap(item: Any?, i: Int): Cap {
        val path = "caps[$i]"
        if (item !is JsonObject) throw fail("bad_type", null, path, "a cap is a JSON object")
        keys(item, null, "$path.", listOf("scope", "max"), listOf("match", "window_ms", "per", "description"))
        val scope = item.opt("scope")
        if (scope !is String || scope !in SCOPES) throw fail("unknown_value", null, "$path.scope", "${shownValue(scope)}; expected one of $SCOPES")
        val match = item.opt("match")
        if (match != null) {
            if (scope == "global") throw fail("unknown_key", null, "$path.match", "a global cap has no match")
            if (scope == "channel" && match !in channelIds) throw fail("unknown_channel", null, "$path.match", "${shownValue(match)} is not a channel of this policy")
            ident(match, null, "$path.match")
        }
        if (item.has("window_ms") == item.has("per")) throw fail("missing_key", null, "$path.per", "a cap needs exactly one of window_ms and per")
        val per = item.opt("per")
        if (item.has("per") && (per !is String || per !in PERIODS)) throw fail("unknown_value", null, "$path.per", "${shownValue(per)}; expected one of $PERIODS")
        val window = if (item.has("window_ms")) duration(item.opt("window_ms"), null, "$path.window_ms", true) else null
        return Cap(scope, count(item.opt("max"), null, "$path.max", null, 0L), match as String?, window, per as String?)
    }

    fun experiment(e: Any?): Pair<String, List<Arm>> {
        if (e !is JsonObject) throw fail("bad_type", null, "experiment", "an experiment is {\"salt\": S, \"arms\": [...]}")
        keys(e, null, "experiment.", listOf("salt", "arms"), listOf("description"))
        val salt = e.opt("salt")
        if (salt !is String || salt.isEmpty()) throw fail("bad_type", null, "experiment.salt", "the salt is a non-empty string")
        var start = 0
        val arms = listed(e.opt("arms"), "experiment.arms", MAX_ARMS, false) { item, i ->
            val path = "experiment.arms[$i]"
            if (item !is JsonObject) throw fail("bad_type", null, path, "an arm is a JSON object")
            keys(item, null, "$path.", listOf("id", "buckets"), listOf("scores", "holdout", "model", "lambda", "by", "description"))
            for (k in listOf("holdout", "model")) if (item.has(k) && item.opt(k) !is Boolean) throw fail("bad_type", null, "$path.$k", "true or false")
            val arm = Arm(ident(item.opt("id"), null, "$path.id"), start,
                count(item.opt("buckets"), null, "$path.buckets", BUCKETS.toLong()).toInt(),
                ident(if (item.has("scores")) item.opt("scores") else "default", null, "$path.scores"),
                item.opt("holdout") as? Boolean ?: false, item.opt("model") as? Boolean ?: true,
                if (item.has("lambda")) number(item.opt("lambda"), null, "$path.lambda", 0.0, 1.0) else null,
                if (item.has("by")) rankingBy(item.opt("by"), "$path.by") else null)
            start += arm.buckets
            arm
        }
        unique(arms.map { it.id }, "experiment.arms", "arm")
        if (start != BUCKETS) throw fail("bad_buckets", null, "experiment.arms", "the arms' buckets sum to $start, not $BUCKETS")
        return Pair(salt, arms)
    }
}

/** Python's str() of a parsed JSON value, for the distinctness of suitability levels (`[1, "1"]` repeats a level). */
private fun pythonStr(v: Any?): String = when (v) {
    null -> "None"
    true -> "True"
    false -> "False"
    else -> v.toString()
}
