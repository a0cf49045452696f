package com.finlite.core.policy

/**
 * Calibrated greedy re-ranking over offer categories (Steck, "Calibrated recommendations", RecSys 2018;
 * finlite/realtime/policy/ranking.py): `(1 − λ)·(S + score) − λ·KL(p ‖ q̃)`, `q̃ = 0.99·q + 0.01·p`, sums in the
 * documented order and ln from StrictMath so the three engines agree within 1e-9.
 */
internal object PolicyRanking {
    const val ALPHA = 0.01

    /** p: per category the summed scores of the eligible offers, normalised; all zero: uniform over the categories present. */
    fun interest(categories: List<String>, scored: List<Pair<String, Double>>): Map<String, Double> {
        val totals = LinkedHashMap<String, Double>()
        for (c in categories) totals[c] = 0.0
        val present = ArrayList<String>()
        for ((category, score) in scored) {
            totals[category] = totals.getValue(category) + score
            if (category !in present) present.add(category)
        }
        var total = 0.0
        for (c in categories) total += totals.getValue(c)
        val out = LinkedHashMap<String, Double>()
        if (total > 0) {
            for (c in categories) if (totals.getValue(c) > 0) out[c] = totals.getValue(c) / total
        } else {
            for (c in categories) if (c in present) out[c] = 1.0 / present.size
        }
        return out
    }

    /** The objective; [shown] the category counts of history + chosen + candidate. */
    fun objective(lambda: Double, chosenSum: Double, score: Double, p: Map<String, Double>, categories: List<String>, shown: Map<String, Long>): Double {
        var n = 0L
        for (count in shown.values) n += count
        var kl = 0.0
        for (c in categories) {
            val pc = p[c] ?: 0.0
            if (pc > 0) {
                val q = (1 - ALPHA) * ((shown[c] ?: 0L).toDouble() / n) + ALPHA * pc
                if (q > 0) kl += pc * StrictMath.log(pc / q)  // 0 only when 0.01·p(c) underflows
            }
        }
        return (1 - lambda) * (chosenSum + score) - lambda * kl
    }
}
