package com.finlite.core.text

/** The kind of a text unit (the golden files' names: `word`, `cjk`, `symbol`). */
enum class UnitKind(val jsonName: String) { WORD("word"), CJK("cjk"), SYMBOL("symbol") }

/** One unit: a word (a run of word characters), one CJK character or one symbol / emoji code point. */
class TextUnit(val kind: UnitKind, val text: String) {
    override fun equals(other: Any?): Boolean = other is TextUnit && other.kind == kind && other.text == text
    override fun hashCode(): Int = kind.hashCode() * 31 + text.hashCode()
    override fun toString(): String = "${kind.jsonName}:$text"
}

/**
 * The finlite.text/1 encoder (docs/preprocessing.md): text → `int32[maxUnits][maxFeats]` hashed feature ids,
 * row-major in one IntArray (the model input without its batch dimension). Works on code points throughout.
 * Not thread-safe (it memoises feature ids): use one encoder per thread.
 */
class TextEncoder(val spec: TextSpec) {
    private val ids = HashMap<String, Int>() // feature → id memo

    /** Steps 1-3: the kept units of [text], in text order. */
    fun units(text: String): List<TextUnit> {
        val s = TextNormalizer.normalize(text)
        val out = ArrayList<TextUnit>()
        val word = StringBuilder()
        var wordChars = 0
        var i = 0
        while (i < s.length) {
            var cp = s.codePointAt(i)
            i += Character.charCount(cp)
            val kind = classify(cp)
            if (kind == UnitKind.WORD) {
                if (wordChars < spec.maxWordChars) {
                    if (spec.foldDigits && cp >= DIGIT_0 && cp <= DIGIT_9) cp = DIGIT_0
                    word.appendCodePoint(cp)
                    wordChars++
                }
                continue
            }
            if (wordChars > 0) {
                out.add(TextUnit(UnitKind.WORD, word.toString()))
                word.setLength(0)
                wordChars = 0
            }
            if (kind != null) out.add(TextUnit(kind, String(Character.toChars(cp))))
            if (out.size >= spec.maxUnits) return out.subList(0, spec.maxUnits)
        }
        if (wordChars > 0) out.add(TextUnit(UnitKind.WORD, word.toString()))
        return if (out.size > spec.maxUnits) out.subList(0, spec.maxUnits) else out
    }

    /** Step 3.2: WORD, CJK, SYMBOL, or null for a separator (ASCII first, then the spec's ranges in order). */
    fun classify(cp: Int): UnitKind? {
        if (cp < 0x80) {
            val letter = cp >= LOWER_A && cp <= LOWER_Z
            val digit = cp >= DIGIT_0 && cp <= DIGIT_9
            return if (letter || digit) UnitKind.WORD else null
        }
        if (cp in spec.cjkRanges) return UnitKind.CJK
        if (cp in spec.symbolRanges) return UnitKind.SYMBOL
        if (cp in spec.separatorRanges) return null
        return UnitKind.WORD
    }

    /** Step 4: the feature strings of every kept unit (`w:`, `b:`, then `c:` n-grams of words), cut to maxFeats. */
    fun features(text: String): List<List<String>> = featuresOf(units(text))

    private fun featuresOf(units: List<TextUnit>): List<List<String>> {
        val result = ArrayList<List<String>>(units.size)
        for ((i, unit) in units.withIndex()) {
            val feats = ArrayList<String>()
            feats.add("w:" + unit.text)
            if (i + 1 < units.size) feats.add("b:" + unit.text + " " + units[i + 1].text)
            if (unit.kind == UnitKind.WORD) addNgrams("<" + unit.text + ">", feats)
            result.add(if (feats.size > spec.maxFeats) feats.subList(0, spec.maxFeats) else feats)
        }
        return result
    }

    private fun addNgrams(padded: String, into: MutableList<String>) {
        val cps = codePoints(padded) // n-grams count code points, not UTF-16 units
        for (n in spec.ngramMin..spec.ngramMax) {
            if (into.size >= spec.maxFeats) return
            for (j in 0..cps.size - n) into.add("c:" + String(cps, j, n))
        }
    }

    /** Steps 5-6: ids, row-major `[maxUnits * maxFeats]`, 0 = padding. */
    fun encode(text: String): IntArray {
        val out = IntArray(spec.maxUnits * spec.maxFeats)
        for ((i, feats) in features(text).withIndex()) {
            for ((k, f) in feats.withIndex()) out[i * spec.maxFeats + k] = featureId(f)
        }
        return out
    }

    private fun featureId(feature: String): Int {
        val cached = ids[feature]
        if (cached != null) return cached
        if (ids.size >= CACHE_LIMIT) ids.clear()
        val id = Fnv1a.featureId(feature, spec.buckets)
        ids[feature] = id
        return id
    }

    private fun codePoints(s: String): IntArray {
        val out = IntArray(s.codePointCount(0, s.length))
        var i = 0
        for (k in out.indices) {
            out[k] = s.codePointAt(i)
            i += Character.charCount(out[k])
        }
        return out
    }

    private companion object {
        const val CACHE_LIMIT = 1 shl 16
        const val DIGIT_0 = 0x30
        const val DIGIT_9 = 0x39
        const val LOWER_A = 0x61
        const val LOWER_Z = 0x7A
    }
}
