package com.finlite.demo

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.triggers.TriggerEngine
import com.finlite.core.triggers.TriggerFeed
import org.junit.Assert.assertEquals
import org.junit.Test
import java.io.File

/**
 * What the profile screen shows under "Triggers": the built-in event log through the shipped seeds
 * (examples/triggers/seeds.json). By reason: the 52 s funds view 18 days back fires the fund-dwell rule, the 88 s
 * view a minute later is within its 1-day cooldown, the 64 s fund_detail view 10 days back fires again; no product
 * page is seen on 3 days and there is no onboarding, so nothing else fires.
 */
class SyntheticTriggersTest {
    @Test
    fun theSeedsFireOnTheEventLogWhereExpected() {
        val golden = System.getProperty("finlite.golden") ?: throw AssertionError("system property finlite.golden is not set")
        val bundles = System.getProperty("finlite.bundles") ?: throw AssertionError("system property finlite.bundles is not set")
        val schema = FinliteBundle.load(DirectoryBundleSource(File(bundles, "profile"))).profileSpec!!.schema
        val seeds = File(File(golden).parentFile.parentFile, "examples/triggers/seeds.json").readText(Charsets.UTF_8)
        val spec = TriggerFeed.spec(seeds, schema, "seeds.json")
        val asOf = 1_780_000_000_000L
        val events = SyntheticEventLog.events("demo_user", asOf)
        val firings = TriggerFeed.feed(TriggerEngine(spec, schema), schema, events, asOf)
        assertEquals(listOf("fund_page_dwell_30s", "fund_page_dwell_30s"), firings.map { it.trigger })
        assertEquals(listOf(events[3]["timestamp"]!!.toLong(), events[9]["timestamp"]!!.toLong()), firings.map { it.time })
        assertEquals(listOf(52000.0, 64000.0), firings.map { it.values["dwell_ms"] })
    }
}
