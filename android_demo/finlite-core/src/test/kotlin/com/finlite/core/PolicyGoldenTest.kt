package com.finlite.core

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.policy.ExposureLog
import com.finlite.core.policy.LogEntry
import com.finlite.core.policy.Policy
import com.finlite.core.policy.PolicyEngine
import com.finlite.core.policy.PolicySpecException
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.profile.Timestamps
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** The shared policy goldens (tests/golden/policy/): every scenario's decisions and final log, every refused policy and request. */
class PolicyGoldenTest {
    private val dir = TestFiles.golden("policy")
    private val schema = ProfileSchema.fromJson(TestFiles.json(java.io.File(TestFiles.golden("triggers"), "schema.json")))

    private fun plain(v: Any?): Any? = when (v) {
        is JsonObject -> LinkedHashMap<String, Any?>().also { m -> for ((k, x) in v.map) m[k] = plain(x) }
        is JsonArray -> v.list.map { plain(it) }
        else -> v
    }

    /** The first difference of two JSON trees (keys in order; floats within 1e-9, everything else exactly), or null. */
    private fun difference(want: Any?, got: Any?, path: String): String? = when {
        want is Double || got is Double ->
            if (want is Number && got is Number && Math.abs(want.toDouble() - got.toDouble()) <= 1e-9) null else "$path: $want != $got"
        want is Map<*, *> -> if (got !is Map<*, *> || want.keys.toList() != got.keys.toList()) "$path: keys ${want.keys} != ${(got as? Map<*, *>)?.keys}"
            else want.keys.asSequence().mapNotNull { difference(want[it], got[it], "$path.$it") }.firstOrNull()
        want is List<*> -> if (got !is List<*> || want.size != got.size) "$path: $want != $got"
            else want.indices.asSequence().mapNotNull { difference(want[it], got[it], "$path[$it]") }.firstOrNull()
        else -> if (want == got && (want == null || want.javaClass == got!!.javaClass)) null else "$path: $want != $got"
    }

    private fun scenarioFiles() = java.io.File(dir, "scenarios").listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }

    @Test
    fun everyScenarioGivesTheSameDecisionsAndLog() {
        val files = scenarioFiles()
        assertTrue("at least 30 scenarios", files.size >= 30)
        val failures = ArrayList<String>()
        for (file in files) {
            val doc = TestFiles.json(file)
            assertEquals(file.name, "finlite.policy_scenario/1", doc.string("format"))
            val engine = PolicyEngine(Policy.parse(doc.obj("policy"), schema, doc.string("name")), schema, ExposureLog(doc.string("device")))
            doc.array("steps").objects().forEachIndexed { i, step ->
                when {
                    step.has("merge") -> engine.log.merge(step.array("merge").list.map { LogEntry.fromJson(it, "${file.name} step $i") })
                    step.has("reset") -> engine.reset(step.obj("reset").string("user"), Timestamps.parse(step.obj("reset").string("at")))
                    else -> difference(plain(step.obj("decision")), engine.decide(step.obj("decide")), "step $i")?.let { failures.add("${file.name}: $it") }
                }
            }
            difference(plain(doc.array("log")), engine.log.map { it.toJson() }, "log")?.let { failures.add("${file.name}: $it") }
        }
        assertTrue("${failures.size} of ${files.size} scenarios differ:\n" + failures.joinToString("\n"), failures.isEmpty())
    }

    @Test
    fun everyRefusedPolicyNamesItsOfferFieldAndCode() {
        val cases = TestFiles.json(java.io.File(dir, "negative.json")).array("cases").objects()
        assertTrue(cases.size >= 20)
        for (case in cases) {
            try {
                Policy.parse(case.obj("policy"), schema, "policy.json")
                fail("${case.string("name")}: accepted")
            } catch (e: PolicySpecException) {
                val msg = e.message!!
                assertEquals("${case.string("name")}: $msg", case.string("code"), e.code)
                assertTrue(msg, !msg.contains('\n') && msg.startsWith("policy.json, ") && msg.endsWith("[${e.code}]"))
                assertTrue(msg, msg.contains("field '${case.string("field")}'"))
                val offer = case.opt("offer") as? String
                if (offer != null) assertTrue(msg, msg.contains("offer '$offer'"))
            }
        }
    }

    @Test
    fun everyRefusedRequestNamesItsFieldAndLeavesTheLogAlone() {
        val negative = TestFiles.json(java.io.File(dir, "negative.json"))
        val engine = PolicyEngine(Policy.parse(negative.obj("policy"), schema), schema, ExposureLog("phone-a"))
        val cases = negative.array("requests").objects()
        assertTrue(cases.isNotEmpty())
        for (case in cases) {
            try {
                engine.decide(case.obj("request"))
                fail("${case.string("name")}: decided")
            } catch (e: PolicySpecException) {
                assertEquals("${case.string("name")}: ${e.message}", case.string("code"), e.code)
                assertTrue(e.message!!, e.message!!.contains("field '${case.string("field")}'"))
            }
        }
        assertEquals(0, engine.log.size)
    }
}
