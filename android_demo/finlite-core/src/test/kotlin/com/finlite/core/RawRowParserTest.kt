package com.finlite.core

import com.finlite.core.bundle.DirectoryBundleSource
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.profile.MISSING_ID
import com.finlite.core.profile.OOV_ID
import com.finlite.core.profile.RowException
import com.finlite.core.profile.Timestamps
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * The rules of finlite/data/events.py for raw cells (expected values computed with the Python loader), on the
 * test bundle's schema (the synthetic bank's: event_type, page, product, amount, dwell_ms; age, risk_level,
 * tenure_days, holdings, aum_bucket).
 */
class RawRowParserTest {
    private val bundle = FinliteBundle.load(DirectoryBundleSource(TestFiles.bundleDir("profile")))
    private val parser = bundle.rowParser!!
    private val schema = parser.schema
    private fun cat(name: String) = schema.eventCategoricals.indexOfFirst { it.name == name }
    private fun num(name: String) = schema.eventNumerics.indexOfFirst { it.name == name }
    private fun user(name: String) = schema.userFields.indexOfFirst { it.name == name }

    private fun event(vararg changes: Pair<String, String>): Map<String, String> {
        val row = linkedMapOf("user_id" to "u1", "timestamp" to "2026-05-01T08:30:00Z", "event_type" to "login",
            "page" to "home", "product" to "", "amount" to "", "dwell_ms" to "1500")
        for ((k, v) in changes) row[k] = v
        return row
    }

    private fun attrs(vararg changes: Pair<String, String>): Map<String, String> {
        val row = linkedMapOf("user_id" to "u1", "age" to "35", "risk_level" to "3", "tenure_days" to "400",
            "holdings" to "fund_equity;time_deposit", "aum_bucket" to "10k-50k")
        for ((k, v) in changes) row[k] = v
        return row
    }

    @Test
    fun timestampFormsAsThePythonLoader() {
        val cases = listOf(
            "2026-05-01T08:30:00Z" to 1777624200000L,
            "2026-05-01 08:30:00+08:00" to 1777595400000L,
            "2026-05-01T08:30:00.250" to 1777624200250L,
            "2026-05-01T08:30" to 1777624200000L,
            "2026-05-01" to 1777593600000L,
            "1777624200000" to 1777624200000L,
            "2024-02-29T23:59:59.9999-0130" to 1709256599999L,
            "1969-12-31T23:59:59.999Z" to -1L,
            "2026-05-01T08:30:00+05" to 1777606200000L,
            "-5" to -5L
        )
        for ((text, ms) in cases) assertEquals(text, ms, Timestamps.parseOrNull(text))
        for (bad in listOf("2026-02-30", "2026-13-01", "", "2026-05-01T24:00", "yesterday")) assertNull(bad, Timestamps.parseOrNull(bad))
    }

    @Test
    fun categoriesAndMissingValues() {
        val e = parser.event(event())
        assertEquals(MISSING_ID, e.cats[cat("product")]) // an empty cell is missing
        assertEquals(schema.eventCategoricals[cat("product")].ids["none"], parser.event(event("product" to "none")).cats[cat("product")])
        assertTrue(e.nums[num("amount")].isNaN()) // empty = missing, never 0
        assertEquals(1500.0, e.nums[num("dwell_ms")], 0.0)
        assertEquals(0, cat("event_type")) // the event name is the first cat column
        assertEquals(OOV_ID, parser.event(event("event_type" to "teleport")).cats[0])
        assertEquals(OOV_ID, parser.event(event("event_type" to "")).cats[0]) // an empty event name is unknown, never 0
        assertEquals(MISSING_ID, parser.event(event("page" to "")).cats[cat("page")])
        assertEquals(OOV_ID, parser.event(event("event_type" to "Login")).cats[0]) // case-sensitive
        assertEquals(-250.5, parser.event(event("amount" to " -250.5 ")).nums[num("amount")], 0.0)
        assertEquals(0.1f.toDouble(), parser.event(event("amount" to "0.1")).nums[num("amount")], 0.0) // float32, like the table
    }

    @Test
    fun attributeRules() {
        val a = parser.attributes(attrs())
        val risk = schema.userFields[user("risk_level")]
        assertEquals(risk.ids["3"], a.ids[user("risk_level")])
        val holdings = schema.userFields[user("holdings")]
        assertEquals(holdings.values.size, a.multi[user("holdings")].size)
        assertEquals(1, a.multi[user("holdings")][holdings.values.indexOf("fund_equity")])
        assertEquals(2, a.multi[user("holdings")].sum()) // fund_equity + time_deposit
        val empty = parser.attributes(attrs("age" to "", "risk_level" to "", "holdings" to "", "aum_bucket" to ""))
        assertTrue(empty.values[user("age")].isNaN())
        assertEquals(MISSING_ID, empty.ids[user("risk_level")])
        assertEquals(0, empty.multi[user("holdings")].sum())
        assertEquals(MISSING_ID, empty.ids[user("aum_bucket")])
        assertEquals(OOV_ID, parser.attributes(attrs("aum_bucket" to "100m+")).ids[user("aum_bucket")])
        assertEquals(1, parser.attributes(attrs("holdings" to "gold;;bitcoin")).multi[user("holdings")].sum()) // unknown / empty items ignored
        assertEquals(OOV_ID, parser.attributes(attrs("risk_level" to "6")).ids[user("risk_level")]) // a value the schema lacks
    }

    @Test
    fun errorsNameRowAndField() {
        expectError("events row 3, field 'timestamp': cannot parse timestamp '2026-02-30'") { parser.event(event("timestamp" to "2026-02-30"), "events row 3") }
        expectError("field 'dwell_ms': dwell_ms -1 is below the schema's min 0") { parser.event(event("dwell_ms" to "-1")) }
        expectError("field 'amount': not a number: '12 EUR'") { parser.event(event("amount" to "12 EUR")) }
        expectError("field 'amount': not a number: '1e999'") { parser.event(event("amount" to "1e999")) }
        expectError("field 'user_id': empty user_id") { parser.event(event("user_id" to " ")) }
        expectError("field 'age': age 121 is above the schema's max 120") { parser.attributes(attrs("age" to "121")) }
        expectError("field 'tenure_days': tenure_days -3 is below the schema's min 0") { parser.attributes(attrs("tenure_days" to "-3")) }
    }

    private fun expectError(part: String, block: () -> Unit) {
        try {
            block()
            fail("no error, expected: $part")
        } catch (e: RowException) {
            assertTrue("'${e.message}' does not contain '$part'", e.message!!.contains(part))
        }
    }
}
