package com.finlite.core.profile

import com.finlite.core.bundle.Formats
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/**
 * The `profile` object of a profile bundle's preprocess.json (spec [Formats.PROFILE], docs/schema.md §3):
 * sequence length, wall-clock offset, the normalisation constants and the data [schema].
 */
class ProfileSpec(
    val maxEvents: Int,
    val utcOffsetMinutes: Int,
    /** `event.<field>`, `user.<field>`, `gap`, `elapsed`, `recency` → (mean, std). */
    private val norms: Map<String, DoubleArray>,
    val schema: ProfileSchema
) {
    init {
        require(maxEvents >= 1) { "profile spec: max_events must be >= 1" }
        require(utcOffsetMinutes in -720..840) { "profile spec: utc_offset_minutes must be within [-720, 840]" }
        val expected = schema.eventNumerics.map { "event.${it.name}" } +
            schema.userFields.filter { it.kind == "numeric" }.map { "user.${it.name}" } + listOf("gap", "elapsed", "recency")
        require(norms.keys == expected.toSet()) { "profile spec: norms must have exactly the keys $expected, found ${norms.keys.sorted()}" }
        for ((key, ms) in norms) {
            require(ms[0].isFinite() && ms[1].isFinite() && ms[1] > 0) { "profile spec: norms[$key] needs a finite mean and a finite std > 0" }
        }
    }

    /** Embedding rows of each `cat` column: the categorical event fields, then the hour (25). */
    val catVocabs: List<Int> = schema.eventCategoricals.map { it.vocabSize } + HOUR_VOCAB
    val catFeatures: Int get() = catVocabs.size
    /** Value and missing flag per numeric event field, then log gap and log elapsed. */
    val numFeatures: Int get() = 2 * schema.eventNumerics.size + 2
    val staticFeatures: Int = schema.userFields.sumBy {
        when (it.kind) {
            "numeric" -> 2
            "categorical" -> it.vocabSize
            else -> it.values.size
        }
    } + 3

    /** `(t - mean) / std` of the normalised quantity [key], in float64. */
    fun z(key: String, t: Double): Double {
        val ms = norms.getValue(key)
        return (t - ms[0]) / ms[1]
    }

    companion object {
        const val HOUR_VOCAB = 25
        private val FIELDS = setOf("format", "max_events", "utc_offset_minutes", "norms", "schema")

        /** Strict reading: every field present, nothing unknown, format [Formats.PROFILE]. */
        fun fromJson(o: JsonObject): ProfileSpec {
            val where = "profile spec ${o.path}"
            Formats.mismatch(where, o.opt("format"), Formats.PROFILE)?.let { throw JsonException(it) }
            val unknown = o.keys - FIELDS
            val missing = FIELDS - o.keys
            if (unknown.isNotEmpty() || missing.isNotEmpty()) {
                throw JsonException("${o.path}: unknown fields ${unknown.sorted()}, missing fields ${missing.sorted()}")
            }
            val normsJson = o.obj("norms")
            val norms = LinkedHashMap<String, DoubleArray>()
            for (key in normsJson.keys) {
                val n = normsJson.obj(key)
                norms[key] = doubleArrayOf(n.double("mean"), n.double("std"))
            }
            return try {
                ProfileSpec(o.int("max_events"), o.int("utc_offset_minutes"), norms, ProfileSchema.fromJson(o.obj("schema")))
            } catch (e: IllegalArgumentException) {
                throw JsonException("$where: ${e.message}")
            }
        }
    }
}
