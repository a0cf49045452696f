package com.finlite.core

import com.finlite.core.json.JsonObject
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.triggers.Firing
import com.finlite.core.triggers.TriggerEngine
import com.finlite.core.triggers.TriggerSpec
import com.finlite.core.triggers.TriggerSpecException
import com.finlite.core.triggers.TriggerTime
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** The shared trigger goldens (tests/golden/triggers/): every scenario's firings and late count, every negative case's code. */
class TriggerGoldenTest {
    private val dir = TestFiles.golden("triggers")
    private val schema = ProfileSchema.fromJson(TestFiles.json(java.io.File(dir, "schema.json")))

    private fun firingJson(step: Int, f: Firing): Map<String, Any?> {
        val m = linkedMapOf<String, Any?>("step" to step.toLong(), "trigger" to f.trigger, "time" to TriggerTime.iso(f.time))
        if (f.group != null) m["group"] = f.group
        m["values"] = f.values
        return m
    }

    /** JSON-equal: numbers by value (30000 == 30000.0), maps by keys, lists in order. */
    private fun same(a: Any?, b: Any?): Boolean = when {
        a is Number && b is Number -> a.toDouble() == b.toDouble()
        a is Map<*, *> && b is Map<*, *> -> a.keys == b.keys && a.keys.all { same(a[it], b[it]) }
        a is List<*> && b is List<*> -> a.size == b.size && a.indices.all { same(a[it], b[it]) }
        else -> a == b
    }

    private fun plain(v: Any?): Any? = when (v) {
        is JsonObject -> v.map.mapValues { plain(it.value) }
        is com.finlite.core.json.JsonArray -> v.list.map { plain(it) }
        else -> v
    }

    @Test
    fun everyScenario() {
        val files = java.io.File(dir, "scenarios").listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
        assertTrue("at least 40 scenarios", files.size >= 40)
        for (file in files) {
            val doc = TestFiles.json(file)
            val spec = TriggerSpec.parse(doc.obj("spec"), schema, file.name)
            var engine = TriggerEngine(spec, schema)
            val got = ArrayList<Map<String, Any?>>()
            doc.array("steps").objects().forEachIndexed { i, step ->
                if (step.has("restart")) { engine = TriggerEngine.fromState(spec, schema, engine.toState()); return@forEachIndexed }
                val t = com.finlite.core.profile.Timestamps.parse(step.string("at"))
                val fired = when {
                    step.has("event") -> engine.event(t, plain(step.obj("event")) as Map<String, Any?>)
                    step.has("scores") -> engine.scores(t, step.obj("scores"))
                    else -> engine.tick(t)
                }
                fired.forEach { got.add(firingJson(i, it)) }
            }
            val expect = doc.obj("expect")
            val want = plain(expect.array("firings"))
            if (!same(got, want)) fail("${file.name}: ${doc.string("why")}\n  expected $want\n  got      $got")
            assertEquals("${file.name}: late", expect.long("late"), engine.late)
        }
    }

    @Test
    fun everyNegativeSpecIsRefusedWithItsCode() {
        val cases = TestFiles.json(java.io.File(dir, "negative.json")).array("cases").objects()
        assertTrue(cases.size >= 20)
        for (case in cases) {
            try {
                TriggerSpec.parse(case.obj("spec"), schema, "neg.json")
                fail("${case.string("name")}: accepted")
            } catch (e: TriggerSpecException) {
                assertEquals(case.string("name"), case.string("code"), e.code)
                val msg = e.message!!
                assertTrue(msg, !msg.contains('\n') && msg.startsWith("neg.json, "))
                val named = case.opt("trigger") as? String
                if (named != null) assertTrue(msg, msg.contains("'$named'"))
            }
        }
    }

    @Test
    fun aStateOfAnotherSpecIsRefused() {
        fun parse(lateness: Int) = TriggerSpec.parse(com.finlite.core.json.Json.parseObject(
            """{"format": "finlite.triggers/1", "time_zone": "UTC", "allowed_lateness_ms": $lateness,
               "triggers": [{"id": "x", "type": "event", "match": {"field": "page", "eq": "funds"}}]}"""), schema)
        val spec = parse(0)
        val engine = TriggerEngine(spec, schema)
        assertEquals(1, engine.event(0, mapOf("page" to "funds")).size)
        val restored = TriggerEngine.fromState(spec, schema, engine.toState())
        assertEquals(0, restored.event(-1, mapOf("page" to "funds")).size)  // behind the restored watermark (0)
        assertEquals(1L, restored.late)
        try { TriggerEngine.fromState(parse(5), schema, engine.toState()); fail("accepted") } catch (e: IllegalArgumentException) {
            assertTrue(e.message!!, e.message!!.contains("another trigger spec"))
        }
    }
}
