package com.finlite.core.text

import com.finlite.core.bundle.Formats
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/** Every parameter of the [Formats.TEXT] encoder: the `text` object of an intent bundle's preprocess.json. */
class TextSpec(
    val buckets: Int,
    val maxUnits: Int,
    val maxFeats: Int,
    val maxWordChars: Int,
    val ngramMin: Int,
    val ngramMax: Int,
    val foldDigits: Boolean,
    val cjkRanges: CodePointRanges,
    val symbolRanges: CodePointRanges,
    val separatorRanges: CodePointRanges
) {
    init {
        require(buckets >= 2) { "text spec: buckets must be >= 2, got $buckets" }
        require(maxUnits >= 1 && maxFeats >= 1 && maxWordChars >= 1) {
            "text spec: max_units, max_feats and max_word_chars must be >= 1"
        }
        require(ngramMin in 1..ngramMax) { "text spec: need 1 <= ngram_min <= ngram_max" }
    }

    companion object {
        private val FIELDS = setOf(
            "format", "buckets", "max_units", "max_feats", "max_word_chars", "ngram_min", "ngram_max",
            "fold_digits", "normalization", "lowercase", "cjk_ranges", "symbol_ranges", "separator_ranges"
        )

        /** Strict reading (like the Python reference): every field present, nothing unknown, format [Formats.TEXT] only. */
        fun fromJson(o: JsonObject): TextSpec {
            Formats.mismatch("text spec ${o.path}", o.opt("format"), Formats.TEXT)?.let { throw JsonException(it) }
            val unknown = o.keys - FIELDS
            val missing = FIELDS - o.keys
            if (unknown.isNotEmpty() || missing.isNotEmpty()) {
                throw JsonException("${o.path}: unknown fields ${unknown.sorted()}, missing fields ${missing.sorted()}")
            }
            if (o.string("normalization") != "NFKC" || !o.bool("lowercase")) {
                throw JsonException("${o.path}: ${Formats.TEXT} always applies NFKC and lower case")
            }
            return TextSpec(
                buckets = o.int("buckets"),
                maxUnits = o.int("max_units"),
                maxFeats = o.int("max_feats"),
                maxWordChars = o.int("max_word_chars"),
                ngramMin = o.int("ngram_min"),
                ngramMax = o.int("ngram_max"),
                foldDigits = o.bool("fold_digits"),
                cjkRanges = CodePointRanges.fromJson(o.array("cjk_ranges")),
                symbolRanges = CodePointRanges.fromJson(o.array("symbol_ranges")),
                separatorRanges = CodePointRanges.fromJson(o.array("separator_ranges"))
            )
        }
    }
}
