package com.finlite.demo

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.Json
import com.finlite.core.policy.Policy
import com.finlite.core.policy.PolicyEngine
import com.finlite.core.post.ProductScore
import com.finlite.core.post.ProfilePrediction
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * The profile screen's offer card without the UI: the shipped demo policy (examples/policy/demo_offers.json) on the
 * synthetic user, its exposure log saved and loaded again (the caps hold across restarts) and "reset my profile".
 */
class OfferFeedTest {
    private val golden = File(System.getProperty("finlite.golden") ?: throw AssertionError("system property finlite.golden is not set"))
    private val bundles = System.getProperty("finlite.bundles") ?: throw AssertionError("system property finlite.bundles is not set")
    private val schema = FinliteBundle.load(DirectoryBundleSource(File(bundles, "profile"))).profileSpec!!.schema
    private val policyFile = File(golden.parentFile.parentFile, "examples/policy/demo_offers.json")
    private val policy = Policy.parse(Json.parseObject(policyFile.readText(Charsets.UTF_8), policyFile.path), schema, "demo_offers.json")
    private val user = "demo_user"
    private val t0 = 1_780_000_000_000L  // 2026-05-28, 20:26 UTC (22:26 in Berlin)

    /** The synthetic user's scores: fixed income first, then the (unsuitable) equity fund, the time deposit, the held card. */
    private val prediction = ProfilePrediction("active", linkedMapOf("prospect" to 0.1f, "new" to 0.1f, "active" to 0.6f, "pre_churn" to 0.1f, "churned" to 0.1f),
        linkedMapOf("fund_preference" to 0.8, "credit_appetite" to 0.6), 0.5,
        listOf(ProductScore("fund_equity", 0, 0.5f, 0.4f), ProductScore("fixed_income_wealth", 3, 0.4f, 0.3f),
            ProductScore("time_deposit", 5, 0.3f, 0.2f), ProductScore("credit_card", 7, 0.2f, 0.1f)))

    private fun decide(store: OfferStore, atMs: Long): Map<String, Any?> {
        val attributes = OfferFeed.attributes(SyntheticEventLog.attributes(user), schema)
        val request = OfferFeed.request(user, atMs, null, listOf("in_app"), attributes, OfferFeed.scores(prediction), "Europe/Berlin")
        val decision = PolicyEngine(policy, schema, store.log).decide(request)
        store.saveLog()
        return decision
    }

    private fun chosen(d: Map<String, Any?>): List<Any?> = (d["offers"] as List<*>).map { (it as Map<*, *>)["offer"] }

    private fun refusedBy(d: Map<String, Any?>, offer: String): Any? =
        (d["rejected"] as List<*>).map { it as Map<*, *> }.first { it["offer"] == offer }.let { (it["check"] as Map<*, *>)["check"] }

    private fun tempDir(): File = java.nio.file.Files.createTempDirectory("finlite-offers-").toFile()

    @Test
    fun theCardShowsTheWhyAndThePassedConditionsAndNeverAnUnsuitableOffer() {
        val dir = tempDir()
        try {
            val d = decide(OfferStore(dir, "android"), t0)
            assertEquals(listOf("fixed_income"), chosen(d))
            assertEquals("suitability", refusedBy(d, "equity_fund"))  // risk 4 above the declared 3, whatever its score
            assertEquals("held", refusedBy(d, "credit_card"))
            val card = OfferFeed.card(d)
            assertTrue(card, card.contains("Offer: fixed_income (in_app)"))
            assertTrue(card, card.contains("A fixed-income plan for the savings you have been looking at."))
            assertTrue(card, card.contains("aum_bucket 10k-50k not in [<10k]"))
            assertTrue(card, card.contains("risk level 2 ≤ your declared 3"))
            assertTrue(card, card.contains("experiment arm: default"))
        } finally { dir.deleteRecursively() }
    }

    @Test
    fun theCapsHoldAcrossRestartsAndTheResetLiftsThem() {
        val dir = tempDir()
        try {
            assertEquals(listOf("fixed_income"), chosen(decide(OfferStore(dir, "android"), t0)))
            // a restart: a new store reads the saved log; the same offer is capped for a day, the next one is shown
            val again = decide(OfferStore(dir, "android"), t0 + 60_000L)
            assertEquals(listOf("time_deposit"), chosen(again))
            assertEquals("cap", refusedBy(again, "fixed_income"))
            val third = decide(OfferStore(dir, "android"), t0 + 120_000L)
            assertTrue(chosen(third).isEmpty())
            assertTrue(OfferFeed.card(third), OfferFeed.card(third).contains("No offer now.\n   equity_fund: suitability"))

            val store = OfferStore(dir, "android")
            store.saveProfileState(byteArrayOf(1, 2, 3))
            store.saveTriggerState("{}")
            store.resetProfile(user, t0 + 180_000L)
            assertFalse(store.profileStateFile.exists() || store.triggerStateFile.exists())
            val reloaded = OfferStore(dir, "android")
            assertEquals(listOf("reset"), reloaded.log.map { it.kind })  // the exposures are erased
            assertEquals("android:3", reloaded.log.first().id)  // numbered after the highest this device used
            assertEquals(t0 + 180_000L, reloaded.resetAt(user))
            assertEquals(listOf("fixed_income"), chosen(decide(reloaded, t0 + 240_000L)))
        } finally { dir.deleteRecursively() }
    }

    @Test
    fun onlyEventsAfterTheStateAndTheResetAreFedAgain() {
        val dir = tempDir()
        try {
            val store = OfferStore(dir, "android")
            val anchor = store.anchorMs(t0)
            assertEquals(anchor, OfferStore(dir, "android").anchorMs(t0 + 1000L))  // a restart sees the same history
            val events = SyntheticEventLog.events(user, anchor)
            assertEquals(events, store.freshEvents(events, "timestamp", user, null))
            val newest = events[9].getValue("timestamp").toLong()
            assertEquals(events.subList(10, events.size), store.freshEvents(events, "timestamp", user, newest))
            store.resetProfile(user, anchor)
            assertTrue(store.freshEvents(events, "timestamp", user, null).isEmpty())  // the whole history precedes the reset
        } finally { dir.deleteRecursively() }
    }
}
