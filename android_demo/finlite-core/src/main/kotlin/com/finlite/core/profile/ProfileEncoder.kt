package com.finlite.core.profile

/**
 * The finlite.profile/1 encoder for one user (finlite/data/profile_features.py, `ProfileEncoder.encode`): the user's
 * events and attribute row at `asOfMs` → the `cat`, `num` and `static` model inputs.
 *
 * Events are given in table order (file order); only those with `tsMs <= asOfMs` count. Row 0 is the most
 * recent; among equal timestamps the one later in the table is more recent; the `maxEvents` most recent are
 * kept. Every normalised value is computed in float64 and rounded to float32 once, at the end.
 */
class ProfileEncoder(val spec: ProfileSpec) {

    fun encode(events: List<EventRow>, attributes: AttributeRow?, asOfMs: Long): ProfileInputs {
        val n = spec.maxEvents
        val cat = IntArray(n * spec.catFeatures)
        val num = FloatArray(n * spec.numFeatures)
        val static = FloatArray(spec.staticFeatures)

        // 1. events up to asOfMs, most recent first (ts descending, then table position descending)
        val rows = events.indices.filter { events[it].tsMs <= asOfMs }
            .sortedWith(Comparator { a, b ->
                val byTime = events[b].tsMs.compareTo(events[a].tsMs)
                if (byTime != 0) byTime else b.compareTo(a)
            })
        val kept = if (rows.size > n) rows.subList(0, n) else rows
        // 2.-4. one row per kept event
        for ((k, j) in kept.withIndex()) {
            val e = events[j]
            val c = k * spec.catFeatures
            val et = clean(e.eventType, spec.eventTypeVocab)
            cat[c] = if (et == PAD_ID) OOV_ID else et // event type 0 marks padding rows only
            cat[c + 1] = clean(e.page, spec.pageVocab)
            cat[c + 2] = clean(e.product, spec.productVocab)
            cat[c + 3] = hourOfDay(e.tsMs) + 1
            val x = k * spec.numFeatures
            if (isFinite(e.amount)) num[x] = spec.z("amount", Math.log1p(Math.abs(e.amount))).toFloat() else num[x + 1] = 1f
            if (isFinite(e.dwellMs) && e.dwellMs >= 0) num[x + 2] = spec.z("dwell", Math.log1p(e.dwellMs)).toFloat() else num[x + 3] = 1f
            if (k + 1 < kept.size) { // gap to the previous kept event; 0 for the oldest kept row
                val gapSeconds = (e.tsMs - events[kept[k + 1]].tsMs) / 1000.0
                num[x + 4] = spec.z("gap", Math.log1p(gapSeconds)).toFloat()
            }
            num[x + 5] = spec.z("elapsed", Math.log1p((asOfMs - e.tsMs) / 1000.0)).toFloat()
        }
        fillStatic(static, attributes, if (rows.isEmpty()) null else events[rows[0]].tsMs, rows.size, asOfMs)
        return ProfileInputs(cat, num, static)
    }

    /** 5. the static row: attributes (each with a missing flag), holdings, recency, event count. */
    private fun fillStatic(static: FloatArray, a: AttributeRow?, lastTs: Long?, count: Int, asOfMs: Long) {
        val age = a?.age ?: Double.NaN
        if (isFinite(age) && age >= 0) static[S_AGE] = spec.z("age", Math.log1p(age)).toFloat() else static[S_AGE + 1] = 1f
        val risk = a?.riskLevel ?: 0
        if (risk in 1..5) static[S_RISK + risk - 1] = 1f else static[S_RISK + 5] = 1f
        val tenure = a?.tenureDays ?: Double.NaN
        if (isFinite(tenure) && tenure >= 0) static[S_TENURE] = spec.z("tenure", Math.log1p(tenure)).toFloat() else static[S_TENURE + 1] = 1f
        val aum = if (a == null) PAD_ID else clean(a.aumBucket, spec.aumVocab)
        static[S_AUM + aum] = 1f // S_AUM = missing, +1 = OOV, +2.. = the buckets
        val hold = S_AUM + spec.aumVocab
        if (a != null) for (p in 0 until spec.holdings) static[hold + p] = if (a.holdings[p] != 0) 1f else 0f
        val recency = hold + spec.holdings
        if (lastTs != null) static[recency] = spec.z("recency", Math.log1p((asOfMs - lastTs) / 1000.0)).toFloat() else static[recency + 1] = 1f
        static[recency + 2] = Math.min(1.0, Math.log1p(count.toDouble()) / Math.log1p(spec.maxEvents.toDouble())).toFloat()
    }

    /** Wall-clock hour 0..23 at the spec's UTC offset (floor division, also before 1970). */
    fun hourOfDay(tsMs: Long): Int {
        val hours = Timestamps.floorDiv(tsMs + spec.utcOffsetMinutes * 60_000L, 3_600_000L)
        val h = (hours % 24).toInt()
        return if (h < 0) h + 24 else h
    }

    private fun clean(id: Int, vocab: Int): Int = if (id in 0 until vocab) id else OOV_ID

    private fun isFinite(v: Double): Boolean = !v.isNaN() && !v.isInfinite()

    private companion object {
        const val S_AGE = 0
        const val S_RISK = 2
        const val S_TENURE = 8
        const val S_AUM = 10
    }
}
