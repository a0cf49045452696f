package com.finlite.jvm

import com.finlite.core.TestFiles
import com.finlite.core.json.JsonObject
import com.finlite.core.pipeline.ProfileScorer
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * End to end, raw events → stage, tags and products, on 500 users (agreement_profile.json, written by
 * tests/mobile/make_bundles.py with Python's loaders + load_bundle + predict): Kotlin's ProfileScorer through the C
 * APIs agrees with Python for every artifact; reported as agreement rates and the max |Δ| of the tag scores.
 */
class ProfileAgreementTest {
    private fun cells(o: JsonObject): Map<String, String> = o.keys.associate { it to o.string(it) }

    @Test
    fun kotlinAgreesWithPythonOnFiveHundredUsers() {
        val file = File(TestFiles.bundleDir("profile").parentFile, "agreement_profile.json")
        if (!file.isFile) throw AssertionError("$file is missing (run `make test-bundles`)")
        val agreement = TestFiles.json(file)
        val users = agreement.array("users").objects()
        assertTrue("500 users", users.size == 500)
        val asOf = agreement.long("as_of_ms")
        val python = agreement.obj("python")
        val bundle = TestFiles.bundle("profile")
        for (artifact in bundle.manifest.artifacts) {
            val want = python.obj(artifact.file)
            val stages = want.array("stages").strings()
            val tags = want.array("tags")
            val products = want.array("top_products")
            var sameStage = 0
            var sameProducts = 0
            var maxDiff = 0.0
            ProfileScorer(bundle, NativeRuntimes.factory(artifact.format), artifact.precision).use { s ->
                for ((i, u) in users.withIndex()) {
                    val got = s.score(u.array("events").objects().map { cells(it) }, u.objOrNull("attributes")?.let { cells(it) }, asOf).result
                    if (got.stage == stages[i]) sameStage++
                    if (got.topProducts.map { it.product } == products.array(i).strings()) sameProducts++
                    val t = tags.array(i).doubles()
                    val g = got.tags.values.toList()
                    for (k in t.indices) maxDiff = Math.max(maxDiff, Math.abs(t[k] - g[k]))
                }
            }
            println("ProfileAgreementTest: ${artifact.file}: stage agrees on $sameStage/${users.size} users, top products on $sameProducts/${users.size}, max |Δ tag score| $maxDiff")
            assertTrue("${artifact.file}: stages $sameStage/${users.size}", sameStage == users.size)
            assertTrue("${artifact.file}: products $sameProducts/${users.size}", sameProducts == users.size)
            assertTrue("${artifact.file}: max |Δ tag score| $maxDiff", maxDiff <= 1e-5)
        }
    }
}
