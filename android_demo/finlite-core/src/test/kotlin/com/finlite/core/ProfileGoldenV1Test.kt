package com.finlite.core

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonObject
import com.finlite.core.profile.AttributeRow
import com.finlite.core.profile.EventRow
import com.finlite.core.profile.ProfileEncoder
import com.finlite.core.profile.ProfileSpec
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The Python project's tests/golden/profile_v1.json: hand-built users (unsorted events, ties, future events,
 * missing and infinite numerics, OOV and out-of-range ids, no events, no attributes, hours before 1970) with
 * numeric rows → exactly `cat`, and `num` / `static` within 1e-6.
 */
class ProfileGoldenV1Test {
    private val golden = TestFiles.json(TestFiles.golden("profile_v1.json"))
    private val spec = ProfileSpec.fromJson(golden.obj("spec"))
    private val encoder = ProfileEncoder(spec)
    private val asOf = golden.long("as_of_ms")

    private fun number(v: Any?): Double = when (v) {
        null -> Double.NaN
        "inf" -> Double.POSITIVE_INFINITY
        "-inf" -> Double.NEGATIVE_INFINITY
        is Long -> v.toDouble()
        is Double -> v
        else -> throw AssertionError("unexpected number $v")
    }

    private fun f32(v: Double): Double = v.toFloat().toDouble() // the tables hold float32

    private fun events(rows: JsonArray): List<EventRow> = (0 until rows.size).map {
        val r = rows.array(it)
        EventRow(r.long(0), r.int(1), r.int(2), r.int(3), f32(number(r[4])), f32(number(r[5])))
    }

    private fun attributes(a: JsonObject?): AttributeRow? = a?.let {
        AttributeRow(f32(number(it.opt("age"))), it.int("risk_level"), f32(number(it.opt("tenure_days"))), it.array("holdings").ints(), it.int("aum_bucket"))
    }

    @Test
    fun staticLayoutIsTheSpecsWidth() {
        assertEquals(golden.array("static_columns").size, spec.staticFeatures)
    }

    @Test
    fun everyUserEncodesLikePython() {
        val users = golden.array("users").objects()
        assertEquals(9, users.size)
        for (u in users) {
            val name = u.string("name")
            val inputs = encoder.encode(events(u.array("events")), attributes(u.objOrNull("attributes")), asOf)
            val cat = IntArray(spec.maxEvents * 4)
            val real = flatInts(u.array("cat"))
            System.arraycopy(real, 0, cat, 0, real.size)
            val diff = firstDifference(cat, inputs.cat, 4)
            assertTrue("$name: cat $diff", diff == null)
            val num = DoubleArray(spec.maxEvents * 6)
            val realNum = flatDoubles(u.array("num"))
            System.arraycopy(realNum, 0, num, 0, realNum.size)
            assertClose("$name: num", num, inputs.num, 1e-6)
            assertClose("$name: static", u.array("static").doubles(), inputs.static, 1e-6)
        }
    }

    @Test
    fun hoursUseFloorDivisionBefore1970() {
        assertEquals(7, encoder.hourOfDay(-1)) // 1969-12-31T23:59:59.999Z = 07:59 at UTC+8
        assertEquals(23, encoder.hourOfDay(1_717_948_799_999))
        assertEquals(0, encoder.hourOfDay(1_717_948_800_000))
    }
}
