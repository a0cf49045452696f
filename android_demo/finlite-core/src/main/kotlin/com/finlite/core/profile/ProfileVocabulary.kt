package com.finlite.core.profile

import com.finlite.core.bundle.Formats
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/**
 * The category vocabularies of a profile bundle, read from preprocess.json's `tensors` (never hard-coded):
 * event types, pages and products from the `cat` columns' `vocabulary`, the AUM buckets and the holdings'
 * products from the names of the `static` columns (`aum_<bucket>`, `holds_<product>`).
 */
class ProfileVocabulary(
    val eventTypes: Map<String, Int>,
    val pages: Map<String, Int>,
    val products: Map<String, Int>,
    /** AUM bucket → id (2.. in column order; 0 = missing, 1 = OOV). */
    val aumBuckets: Map<String, Int>,
    /** Product of each holdings column, in column order. */
    val holdingProducts: List<String>
) {
    companion object {
        /** From preprocess.json's `tensors` object (format [Formats.PROFILE]), checked against [spec]'s sizes. */
        fun fromJson(tensors: JsonObject, spec: ProfileSpec): ProfileVocabulary {
            Formats.mismatch("profile tensors ${tensors.path}", tensors.opt("format"), Formats.PROFILE)?.let { throw JsonException(it) }
            val inputs = tensors.array("inputs").objects()
            fun input(name: String): JsonObject = inputs.firstOrNull { it.string("name") == name }
                ?: throw JsonException("${tensors.path}.inputs: no input \"$name\"")
            val catColumns = input("cat").array("columns").objects()
            fun vocab(column: String, size: Int): Map<String, Int> {
                val col = catColumns.firstOrNull { it.string("name") == column }
                    ?: throw JsonException("${tensors.path}: cat has no column \"$column\"")
                val v = col.obj("vocabulary")
                val out = LinkedHashMap<String, Int>()
                for (key in v.keys) if (key != "<pad>" && key != "<oov>") out[key] = v.int(key)
                if (out.size + 2 != size) throw JsonException("${col.path}: ${out.size} values + pad + oov, but the spec says $size")
                return out
            }
            val staticNames = input("static").array("columns").objects().map { it.string("name") }
            if (staticNames.size != spec.staticFeatures) {
                throw JsonException("${tensors.path}: static has ${staticNames.size} columns, the spec gives ${spec.staticFeatures}")
            }
            val aum = LinkedHashMap<String, Int>()
            for (name in staticNames) {
                if (name.startsWith("aum_") && name != "aum_missing" && name != "aum_oov") aum[name.substring(4)] = OOV_ID + 1 + aum.size
            }
            val holdings = staticNames.filter { it.startsWith("holds_") }.map { it.substring(6) }
            if (aum.size + 2 != spec.aumVocab || holdings.size != spec.holdings) {
                throw JsonException("${tensors.path}: static columns give ${aum.size} AUM buckets and ${holdings.size} holdings; the spec says ${spec.aumVocab - 2} and ${spec.holdings}")
            }
            val expected = listOf("log_age", "age_missing") + (1..5).map { "risk_$it" } +
                listOf("risk_missing", "log_tenure", "tenure_missing", "aum_missing", "aum_oov") + aum.keys.map { "aum_$it" } +
                holdings.map { "holds_$it" } + listOf("log_recency", "no_events", "event_count")
            if (staticNames != expected) {
                throw JsonException("${tensors.path}: static columns $staticNames are not the ${Formats.PROFILE} layout $expected")
            }
            return ProfileVocabulary(
                vocab("event_type", spec.eventTypeVocab), vocab("page", spec.pageVocab),
                vocab("product", spec.productVocab), aum, holdings
            )
        }
    }
}
