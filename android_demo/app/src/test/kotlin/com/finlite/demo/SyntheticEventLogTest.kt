package com.finlite.demo

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.profile.OOV_ID
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * The app's built-in synthetic event log uses only categories the profile bundle knows. (The pipelines
 * themselves are finlite-core's, tested there: IntentClassifierTest, ProfileScorerTest.)
 */
class SyntheticEventLogTest {
    private fun bundleDir(task: String): File {
        val root = System.getProperty("finlite.bundles") ?: throw AssertionError("system property finlite.bundles is not set")
        return File(root, task)
    }

    @Test
    fun syntheticEventLogUsesKnownCategoriesOnly() {
        val bundle = FinliteBundle.load(DirectoryBundleSource(bundleDir("profile")))
        val parser = bundle.rowParser!!
        val asOf = 1_782_777_276_541L
        val raw = SyntheticEventLog.events("demo", asOf)
        val events = raw.map { parser.event(it) }
        for ((i, e) in events.withIndex()) {
            assertNotEquals("event $i type ${raw[i]["event_type"]}", OOV_ID, e.eventType)
            assertNotEquals("event $i page ${raw[i]["page"]}", OOV_ID, e.page)
            assertNotEquals("event $i product ${raw[i]["product"]}", OOV_ID, e.product)
            assertTrue("event $i is after as_of", e.tsMs <= asOf)
        }
        val attrs = parser.attributes(SyntheticEventLog.attributes("demo"))
        assertNotEquals(OOV_ID, attrs.aumBucket)
        assertEquals(3, attrs.holdings.sum())
        val inputs = bundle.profileEncoder!!.encode(events, attrs, asOf)
        assertEquals(raw.size, (0 until bundle.profileSpec!!.maxEvents).count { inputs.cat[it * 4] != 0 })
    }
}
