package com.finlite.demo

import android.app.Activity
import android.os.Bundle
import android.widget.ScrollView
import android.widget.TextView
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.ModelRunnerFactory
import com.finlite.core.pipeline.ProfileScorer
import com.finlite.core.profile.Timestamps
import com.finlite.core.triggers.TriggerEngine
import com.finlite.core.triggers.TriggerFeed
import java.util.concurrent.Executors

/**
 * Profile screen: runs the profile bundle on the built-in synthetic event log (stage, tags, top products) and feeds
 * the same log through the trigger engine with the shipped spec (assets/triggers.json, docs/triggers.md): its firings.
 */
class ProfileActivity : Activity() {
    private val worker = Executors.newSingleThreadExecutor()
    private lateinit var output: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "finlite · customer profile"
        val root = Ui.column(this)
        output = Ui.text(this, 16f)
        root.addView(output, Ui.fullWidth())
        setContentView(ScrollView(this).apply { fitsSystemWindows = true; addView(root) }) // insets: edge-to-edge on API 35
        output.text = "Scoring the synthetic user…"
        worker.execute {
            val text = try { score() } catch (e: Exception) {
                "Cannot run assets/profile: ${e.message}\nRun android_demo/scripts/sync_bundle.sh first."
            }
            runOnUiThread { output.text = text }
        }
    }

    private fun score(): String {
        val bundle = FinliteBundle.load(AssetBundleSource(assets, "profile"))
        val asOf = System.currentTimeMillis()
        val events = SyntheticEventLog.events("demo_user", asOf)
        ProfileScorer(bundle, application as ModelRunnerFactory, Ui.PRECISION).use { scorer ->
            // the app's streaming state: every event goes in as it happens; a re-score reads the state
            val state = scorer.newState()
            state.setAttributeRow(SyntheticEventLog.attributes("demo_user"))
            for (row in events) state.updateRow(row)
            val timed = scorer.score(state, maxOf(asOf, state.events().lastOrNull()?.tsMs ?: asOf))
            val r = timed.result
            val s = StringBuilder()
            s.append("Synthetic user: ${events.size} events up to ${Timestamps.format(asOf)}; ")
            s.append("streaming state ${state.size} events, ${state.toBytes().size} bytes\n\n")
            s.append("Lifecycle stage: ${r.stage}\n")
            for ((stage, p) in r.stageProbs) s.append("   $stage  ${Ui.percent(p.toDouble())}\n")
            s.append("\nTags (independent scores)\n")
            for ((tag, score) in r.tags) s.append("   $tag  ${Ui.percent(score)}\n")
            s.append("\nBuys anything soon: ${Ui.percent(r.buyProb)}\nTop products (propensity)\n")
            for (p in r.topProducts) s.append("   ${p.product}  ${Ui.percent(p.propensity.toDouble())}\n")
            s.append("\n${timed.summary} · ${scorer.artifact.file}\n")
            s.append(triggers(bundle.profileSpec!!.schema, events, asOf))
            return s.toString()
        }
    }

    /** The event log through the trigger spec in assets/triggers.json; one line per firing. */
    private fun triggers(schema: com.finlite.core.profile.ProfileSchema, events: List<Map<String, String>>, asOf: Long): String {
        val text = try { assets.open("triggers.json").bufferedReader(Charsets.UTF_8).use { it.readText() } } catch (e: java.io.IOException) {
            return "\nTriggers: no assets/triggers.json (run android_demo/scripts/sync_bundle.sh)"
        }
        val spec = TriggerFeed.spec(text, schema)
        val firings = TriggerFeed.feed(TriggerEngine(spec, schema), schema, events, asOf)
        val s = StringBuilder("\nTriggers (${spec.triggers.size} rules): ${firings.size} fired\n")
        for (f in firings) s.append("   ${TriggerFeed.describe(f)}\n")
        return s.toString()
    }

    override fun onDestroy() {
        worker.shutdown()
        super.onDestroy()
    }
}
