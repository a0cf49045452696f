package com.finlite.core.profile

/**
 * The finlite.profile/2 encoder for one user (docs/schema.md §3, finlite/data/profile_features.py): the user's
 * events and attribute row at `asOfMs` → the `cat`, `num` and `static` model inputs, with the columns the
 * bundle's schema gives.
 *
 * Events are given in table order (file order); only those with `tsMs <= asOfMs` count. Row 0 is the most
 * recent; among equal timestamps the one later in the table is more recent; the `maxEvents` most recent are
 * kept. Every normalised value is computed in float64 and rounded to float32 once, at the end.
 */
class ProfileEncoder(val spec: ProfileSpec) {
    private val schema = spec.schema

    /**
     * [eventCount]: the user's events up to [asOfMs] when [events] holds only a window of them (the streaming
     * [ProfileState] keeps the last `maxEvents`); by default they are counted in [events].
     */
    fun encode(events: List<EventRow>, attributes: AttributeRow?, asOfMs: Long, eventCount: Long = -1): ProfileInputs {
        val n = spec.maxEvents
        val nc = spec.catFeatures
        val nn = spec.numFeatures
        val cat = IntArray(n * nc)
        val num = FloatArray(n * nn)
        val static = FloatArray(spec.staticFeatures)

        // 1. events up to asOfMs, most recent first (ts descending, then table position descending)
        val rows = events.indices.filter { events[it].tsMs <= asOfMs }
            .sortedWith(Comparator { a, b ->
                val byTime = events[b].tsMs.compareTo(events[a].tsMs)
                if (byTime != 0) byTime else b.compareTo(a)
            })
        val kept = if (rows.size > n) rows.subList(0, n) else rows
        // 2.-3. one row per kept event
        for ((k, j) in kept.withIndex()) {
            val e = events[j]
            val c = k * nc
            for ((i, f) in schema.eventCategoricals.withIndex()) {
                val id = clean(e.cats[i], f.vocabSize)
                cat[c + i] = if (i == 0 && id == MISSING_ID) OOV_ID else id // event-name id 0 marks padding only
            }
            cat[c + nc - 1] = hourOfDay(e.tsMs) + 1
            val x = k * nn
            for ((i, f) in schema.eventNumerics.withIndex()) {
                val t = transform(e.nums[i], f)
                if (t != null) num[x + 2 * i] = spec.z("event.${f.name}", t).toFloat() else num[x + 2 * i + 1] = 1f
            }
            if (k + 1 < kept.size) { // gap to the previous kept event; 0 for the oldest kept row
                val gapSeconds = (e.tsMs - events[kept[k + 1]].tsMs) / 1000.0
                num[x + nn - 2] = spec.z("gap", Math.log1p(gapSeconds)).toFloat()
            }
            num[x + nn - 1] = spec.z("elapsed", Math.log1p((asOfMs - e.tsMs) / 1000.0)).toFloat()
        }
        fillStatic(static, attributes, if (rows.isEmpty()) null else events[rows[0]].tsMs, if (eventCount >= 0) eventCount else rows.size.toLong(), asOfMs)
        return ProfileInputs(cat, num, static)
    }

    /** 4. the static row: each user field, then recency, no-events flag and event count. */
    private fun fillStatic(static: FloatArray, a: AttributeRow?, lastTs: Long?, count: Long, asOfMs: Long) {
        var at = 0
        for ((i, f) in schema.userFields.withIndex()) {
            when (f.kind) {
                "numeric" -> {
                    val t = transform(a?.values?.get(i) ?: Double.NaN, f)
                    if (t != null) static[at] = spec.z("user.${f.name}", t).toFloat() else static[at + 1] = 1f
                    at += 2
                }
                "categorical" -> {
                    static[at + clean(a?.ids?.get(i) ?: MISSING_ID, f.vocabSize)] = 1f // +0 missing, +1 OOV, +2.. values
                    at += f.vocabSize
                }
                else -> {
                    if (a != null) for (v in f.values.indices) static[at + v] = if (a.multi[i][v] != 0) 1f else 0f
                    at += f.values.size
                }
            }
        }
        if (lastTs != null) static[at] = spec.z("recency", Math.log1p((asOfMs - lastTs) / 1000.0)).toFloat() else static[at + 1] = 1f
        static[at + 2] = Math.min(1.0, Math.log1p(count.toDouble()) / Math.log1p(spec.maxEvents.toDouble())).toFloat()
    }

    /** The field's transform of a raw value after clipping; null when the value is missing. */
    private fun transform(raw: Double, f: SchemaField): Double? {
        if (raw.isNaN() || raw.isInfinite()) return null
        var v = raw
        f.clip?.let { v = Math.min(Math.max(v, it[0]), it[1]) }
        return when (f.transform) {
            "log1p" -> if (v < 0) null else Math.log1p(v)
            "signed_log1p" -> Math.signum(v) * Math.log1p(Math.abs(v))
            else -> v
        }
    }

    /** Wall-clock hour 0..23 at the spec's UTC offset (floor division, also before 1970). */
    fun hourOfDay(tsMs: Long): Int {
        val hours = Timestamps.floorDiv(tsMs + spec.utcOffsetMinutes * 60_000L, 3_600_000L)
        val h = (hours % 24).toInt()
        return if (h < 0) h + 24 else h
    }

    private fun clean(id: Int, vocab: Int): Int = if (id in 0 until vocab) id else OOV_ID
}
