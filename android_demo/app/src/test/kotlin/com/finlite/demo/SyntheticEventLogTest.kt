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
        val schema = parser.schema
        for ((i, e) in events.withIndex()) {
            for ((c, f) in schema.eventCategoricals.withIndex()) {
                assertNotEquals("event $i ${f.name} ${raw[i][f.column]}", OOV_ID, e.cats[c])
            }
            assertTrue("event $i is after as_of", e.tsMs <= asOf)
        }
        val attrs = parser.attributes(SyntheticEventLog.attributes("demo"))
        for ((i, f) in schema.userFields.withIndex()) if (f.kind == "categorical") assertNotEquals(f.name, OOV_ID, attrs.ids[i])
        assertEquals(3, attrs.multi[schema.userFields.indexOfFirst { it.name == "holdings" }].sum())
        val inputs = bundle.profileEncoder!!.encode(events, attrs, asOf)
        val width = bundle.profileSpec!!.catFeatures
        assertEquals(raw.size, (0 until bundle.profileSpec!!.maxEvents).count { inputs.cat[it * width] != 0 })
    }
}
