package com.finlite.core.profile

import com.finlite.core.bundle.Formats
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/** The `profile` object of a profile bundle's preprocess.json (spec [Formats.PROFILE]): sizes and normalisation constants. */
class ProfileSpec(
    val maxEvents: Int,
    val utcOffsetMinutes: Int,
    val eventTypeVocab: Int,
    val pageVocab: Int,
    val productVocab: Int,
    val aumVocab: Int,
    val hourBuckets: Int,
    val holdings: Int,
    /** `prefix → (mean, std)` for amount, dwell, gap, elapsed, age, tenure, recency. */
    private val norms: Map<String, DoubleArray>
) {
    init {
        require(maxEvents >= 1) { "profile spec: max_events must be >= 1" }
        require(utcOffsetMinutes in -720..840) { "profile spec: utc_offset_minutes must be within [-720, 840]" }
        require(hourBuckets == 24) { "profile spec: hour_buckets must be 24" }
        for (p in NORMALISED) {
            val ms = norms[p] ?: throw IllegalArgumentException("profile spec: no ${p}_mean / ${p}_std")
            require(!ms[0].isNaN() && !ms[0].isInfinite() && !ms[1].isNaN() && !ms[1].isInfinite() && ms[1] > 0) {
                "profile spec: ${p}_mean must be finite and ${p}_std finite and > 0"
            }
        }
    }

    val catFeatures: Int get() = 4
    val numFeatures: Int get() = 6
    /** log_age, age_missing, risk 1..5 + missing, log_tenure, tenure_missing, aum one-hot, holdings, recency, no_events, count. */
    val staticFeatures: Int get() = 2 + 6 + 2 + aumVocab + holdings + 3

    /** `(log1p(v) - mean) / std` for the normalised quantity [prefix], in float64. */
    fun z(prefix: String, log1pValue: Double): Double {
        val ms = norms.getValue(prefix)
        return (log1pValue - ms[0]) / ms[1]
    }

    companion object {
        val NORMALISED = listOf("amount", "dwell", "gap", "elapsed", "age", "tenure", "recency")
        private val INT_FIELDS = listOf(
            "max_events", "utc_offset_minutes", "event_type_vocab", "page_vocab", "product_vocab", "aum_vocab",
            "hour_buckets", "holdings"
        )

        /** Strict reading: every field present, nothing unknown, format [Formats.PROFILE] on event schema [Formats.EVENTS]. */
        fun fromJson(o: JsonObject): ProfileSpec {
            val where = "profile spec ${o.path}"
            Formats.mismatch(where, o.opt("format"), Formats.PROFILE)?.let { throw JsonException(it) }
            Formats.mismatch(where, o.opt("event_schema"), Formats.EVENTS, "event_schema")?.let { throw JsonException(it) }
            val fields = HashSet<String>(INT_FIELDS)
            fields.add("format")
            fields.add("event_schema")
            for (p in NORMALISED) { fields.add("${p}_mean"); fields.add("${p}_std") }
            val unknown = o.keys - fields
            val missing = fields - o.keys
            if (unknown.isNotEmpty() || missing.isNotEmpty()) {
                throw JsonException("${o.path}: unknown fields ${unknown.sorted()}, missing fields ${missing.sorted()}")
            }
            val norms = LinkedHashMap<String, DoubleArray>()
            for (p in NORMALISED) norms[p] = doubleArrayOf(o.double("${p}_mean"), o.double("${p}_std"))
            return ProfileSpec(
                maxEvents = o.int("max_events"),
                utcOffsetMinutes = o.int("utc_offset_minutes"),
                eventTypeVocab = o.int("event_type_vocab"),
                pageVocab = o.int("page_vocab"),
                productVocab = o.int("product_vocab"),
                aumVocab = o.int("aum_vocab"),
                hourBuckets = o.int("hour_buckets"),
                holdings = o.int("holdings"),
                norms = norms
            )
        }
    }
}
