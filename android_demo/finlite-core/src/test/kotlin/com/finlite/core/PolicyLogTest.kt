package com.finlite.core

import com.finlite.core.json.Json
import com.finlite.core.policy.ExposureLog
import com.finlite.core.policy.ExposureLogException
import com.finlite.core.policy.LogEntry
import com.finlite.core.policy.Policy
import com.finlite.core.policy.PolicyEngine
import com.finlite.core.profile.ProfileSchema
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The exposure log beyond the goldens: its lines, conflicts, merges in any order, resets arriving late; suitability on random scores. */
class PolicyLogTest {
    private fun exposure(id: String, at: Long, offer: String = "a") = LogEntry(id, "exposure", "u1", at, offer, "c", "in_app", "default", true)

    @Test
    fun linesRoundTripAndABadLineIsNamed() {
        val log = ExposureLog("phone-a", listOf(exposure("phone-b:2", 2_000L), exposure("phone-b:1", 1_000L)))
        log.reset("u2", 500L)
        val again = ExposureLog("phone-a", ExposureLog.readEntries(log.toLines()))
        assertEquals(log.toList(), again.toList())
        assertEquals(listOf("phone-a:1", "phone-b:1", "phone-b:2"), again.map { it.id })  // (at, id) order
        assertThrowsContaining<ExposureLogException>("log line 2: not JSON") { ExposureLog.readEntries(log.toLines().replaceFirst("\n{", "\n{{")) }
        assertThrowsContaining<ExposureLogException>("log line 1, field 'id'") {
            ExposureLog.readEntries("""{"id": "phone-a:0", "kind": "reset", "user": "u1", "at": "2026-03-02T10:00:00.000Z"}""")
        }
        assertThrowsContaining<ExposureLogException>("log line 1: a reset entry has exactly the keys") {
            ExposureLog.readEntries("""{"id": "phone-a:1", "kind": "reset", "user": "u1", "at": "2026-03-02T10:00:00.000Z", "shown": true}""")
        }
    }

    @Test
    fun theSameIdWithOtherContentIsAConflict() {
        val log = ExposureLog("phone-a", listOf(exposure("phone-b:1", 1_000L)))
        log.merge(listOf(exposure("phone-b:1", 1_000L)))  // the same entry again: nothing changes
        assertEquals(1, log.size)
        assertThrowsContaining<ExposureLogException>("[conflict]") { log.merge(listOf(exposure("phone-b:1", 1_000L, "b"))) }
    }

    @Test
    fun mergesInAnyOrderGiveOneLogAndALateResetErasesEarlierExposures() {
        val entries = listOf(exposure("phone-b:1", 1_000L), exposure("phone-b:2", 3_000L), LogEntry("server:1", "reset", "u1", 2_000L),
            exposure("phone-c:1", 2_000L), exposure("phone-c:2", 4_000L))
        val want = listOf("server:1", "phone-b:2", "phone-c:2")
        val random = java.util.Random(17)
        repeat(20) {
            val shuffled = entries.shuffled(random)
            val log = ExposureLog("phone-a")
            for (e in shuffled) log.merge(listOf(e))
            log.merge(shuffled)  // replaying changes nothing
            assertEquals(want, log.map { it.id })
        }
        val log = ExposureLog("phone-a", listOf(exposure("phone-a:7", 1_000L)))
        log.reset("u1", 5_000L)  // the device's own erased entries still count for its numbering
        assertEquals(listOf("phone-a:8"), log.map { it.id })
        assertEquals("phone-a:9", log.nextId())
    }

    @Test
    fun anUnsuitableOfferIsNeverChosenWhateverTheScores() {
        val schema = ProfileSchema.fromJson(TestFiles.json(java.io.File(TestFiles.golden("triggers"), "schema.json")))
        val policy = Policy.parse(Json.parseObject("""{"format": "finlite.policy/1", "time_zone": "UTC", "channels": [{"id": "in_app"}],
            "suitability": {"attribute": "risk_level", "levels": ["1", "2", "3", "4", "5"]},
            "offers": [{"id": "gold", "product": "gold", "category": "metals", "channels": ["in_app"], "value": 1.0, "risk": "4", "why": "w"},
                       {"id": "fx", "product": "fx", "category": "fx", "channels": ["in_app"], "value": 1.0, "risk": "2", "why": "w"}],
            "ranking": {"slots": 2, "lambda": 0.5}}"""), schema)
        val random = java.util.Random(5)
        repeat(200) { i ->
            val level = 1 + random.nextInt(5)
            val request = Json.parseObject("""{"at": "2026-03-02T10:00:00Z", "user": "u$i", "channels": ["in_app"],
                "attributes": {"risk_level": "$level"}, "scores": {"default": {"products": {"gold": ${random.nextDouble()}, "fx": ${random.nextDouble() / 100}}}}}""")
            val offers = (PolicyEngine(policy, schema, ExposureLog("d")).decide(request)["offers"] as List<*>).map { (it as Map<*, *>)["offer"] }
            assertEquals("risk level $level: $offers", level >= 4, "gold" in offers)
            assertEquals(level >= 2, "fx" in offers)
            assertTrue(offers.size <= 2)
        }
    }
}
