package com.finlite.core

import com.finlite.core.json.JsonObject
import com.finlite.core.pipeline.ProfileScorer
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * ProfileScorer with a [GoldenReplay] runtime: from golden.json's raw rows it feeds the artifact exactly the
 * golden `cat`, `num` and `static` under the artifact's tensor names, and decodes the replayed logits into
 * golden.json's stage, tags and top products (FinliteKit's ProfileScorerTests: the same cases).
 */
class ProfileScorerTest {
    private val bundle = TestFiles.bundle("profile")

    private fun cells(o: JsonObject): Map<String, String> = o.keys.associate { it to o.string(it) }

    @Test
    fun scoresEveryGoldenUserLikeTheGoldenFile() = GoldenReplay.forEachPrecision("profile") { precision, file, replay ->
        ProfileScorer(bundle, replay, precision).use { s ->
            assertEquals(file, s.artifact.file)
            for (e in replay.examples) {
                val timed = s.score(e.array("events").objects().map { cells(it) }, e.objOrNull("attributes")?.let { cells(it) }, e.long("as_of_ms"))
                val got = timed.result
                val want = GoldenReplay.expected(e, s.artifact)
                val what = "$file, ${e.string("name")}"
                assertEquals(what, want.string("stage"), got.stage)
                val tags = want.obj("tags")
                assertEquals(what, tags.keys.toList(), got.tags.keys.toList())
                for (tag in tags.keys) assertEquals("$what: tag $tag", tags.double(tag), got.tags.getValue(tag), 1e-9)
                assertEquals(what, want.array("top_products").objects().map { it.string("product") }, got.topProducts.map { it.product })
                assertTrue(what, timed.preprocessMs >= 0 && timed.inferenceMs >= 0)
            }
        }
    }

    /** The replay answers only inputs equal to a golden example's, so a state that scores at all encoded exactly. */
    @Test
    fun aStreamingStateScoresEveryGoldenUserLikeTheGoldenFile() = GoldenReplay.forEachPrecision("profile") { precision, file, replay ->
        ProfileScorer(bundle, replay, precision).use { s ->
            for (e in replay.examples) {
                val asOf = e.long("as_of_ms")
                val state = s.newState()
                state.setAttributeRow(e.objOrNull("attributes")?.let { cells(it) })
                for (row in e.array("events").objects().map { cells(it) }) {
                    // a row after as_of is one the batch encoder ignores; the app would not have seen it yet
                    if (com.finlite.core.profile.Timestamps.parse(row.getValue("timestamp")) <= asOf) state.updateRow(row)
                }
                val got = s.score(state, asOf).result
                val want = GoldenReplay.expected(e, s.artifact)
                assertEquals("$file, ${e.string("name")}", want.string("stage"), got.stage)
                assertEquals("$file, ${e.string("name")}", want.array("top_products").objects().map { it.string("product") }, got.topProducts.map { it.product })
            }
        }
    }

    @Test
    fun refusesAnIntentBundle() = assertThrowsContaining<IllegalArgumentException>("task \"intent\", expected a profile bundle") {
        ProfileScorer(TestFiles.bundle("intent"), GoldenReplay("profile"), "fp32")
    }
}
