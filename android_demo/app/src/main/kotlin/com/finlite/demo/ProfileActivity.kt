package com.finlite.demo

import android.app.Activity
import android.os.Bundle
import android.widget.Button
import android.widget.ScrollView
import android.widget.TextView
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.json.Json
import com.finlite.core.pipeline.ModelRunnerFactory
import com.finlite.core.pipeline.ProfileScorer
import com.finlite.core.policy.Policy
import com.finlite.core.policy.PolicyEngine
import com.finlite.core.post.ProfilePrediction
import com.finlite.core.profile.ProfileSchema
import com.finlite.core.profile.Timestamps
import com.finlite.core.triggers.TriggerEngine
import com.finlite.core.triggers.TriggerFeed
import java.util.TimeZone
import java.util.concurrent.Executors

/**
 * Profile screen: runs the profile bundle on the built-in synthetic event log (stage, tags, top products) and feeds
 * the same log through the trigger engine with the shipped spec (assets/triggers.json, docs/triggers.md): its firings;
 * then the offer policy (assets/policy.json, docs/policy.md) decides on an in-app card with its "why" text. The profile
 * state, the trigger state and the exposure log are kept in the app's files (OfferStore), so the caps hold across
 * restarts; "Reset my profile" clears both states and appends a reset to the exposure log.
 */
class ProfileActivity : Activity() {
    private val worker = Executors.newSingleThreadExecutor()
    private lateinit var output: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "finlite · customer profile"
        val root = Ui.column(this)
        val reset = Button(this).apply {
            text = "Reset my profile"
            setOnClickListener {
                isEnabled = false
                worker.execute {
                    val note = try { OfferStore(filesDir, DEVICE).resetProfile(USER, System.currentTimeMillis()); "Profile reset." } catch (e: Exception) {
                        "Cannot reset: ${e.message}"
                    }
                    runOnUiThread { output.text = note; isEnabled = true; refresh() }
                }
            }
        }
        root.addView(reset, Ui.fullWidth())
        output = Ui.text(this, 16f)
        root.addView(output, Ui.fullWidth())
        setContentView(ScrollView(this).apply { fitsSystemWindows = true; addView(root) }) // insets: edge-to-edge on API 35
        output.text = "Scoring the synthetic user…"
        refresh()
    }

    private fun refresh() = worker.execute {
        val text = try { score() } catch (e: Exception) {
            "Cannot run assets/profile: ${e.message}\nRun android_demo/scripts/sync_bundle.sh first."
        }
        runOnUiThread { output.text = text }
    }

    private fun score(): String {
        val bundle = FinliteBundle.load(AssetBundleSource(assets, "profile"))
        val schema = bundle.profileSpec!!.schema
        val asOf = System.currentTimeMillis()
        val store = OfferStore(filesDir, DEVICE)
        val history = SyntheticEventLog.events(USER, store.anchorMs(asOf))
        ProfileScorer(bundle, application as ModelRunnerFactory, Ui.PRECISION).use { scorer ->
            // the app's streaming state, kept across restarts: only events it has not seen (and none before a reset) go in
            val state = if (store.profileStateFile.isFile) scorer.restoreState(store.profileStateFile.readBytes()) else scorer.newState()
            val events = store.freshEvents(history, schema.eventTimestamp, USER, state.events().lastOrNull()?.tsMs)
            state.setAttributeRow(SyntheticEventLog.attributes(USER))
            for (row in events) state.updateRow(row)
            store.saveProfileState(state.toBytes())
            val s = StringBuilder()
            s.append("Synthetic user: ${events.size} new events up to ${Timestamps.format(asOf)}; ")
            s.append("streaming state ${state.size} events, ${state.toBytes().size} bytes\n\n")
            val (firingsText, trigger) = triggers(schema, store, events, asOf)
            if (state.size == 0) {
                s.append("No events since the profile was reset (the built-in history is older), so nothing is scored.\n")
                return s.append(offer(store, schema, null, trigger, asOf)).toString()
            }
            val timed = scorer.score(state, maxOf(asOf, state.events().last().tsMs))
            val r = timed.result
            s.append("Lifecycle stage: ${r.stage}\n")
            for ((stage, p) in r.stageProbs) s.append("   $stage  ${Ui.percent(p.toDouble())}\n")
            s.append("\nTags (independent scores)\n")
            for ((tag, score) in r.tags) s.append("   $tag  ${Ui.percent(score)}\n")
            s.append("\nBuys anything soon: ${Ui.percent(r.buyProb)}\nTop products (propensity)\n")
            for (p in r.topProducts) s.append("   ${p.product}  ${Ui.percent(p.propensity.toDouble())}\n")
            s.append("\n${timed.summary} · ${scorer.artifact.file}\n")
            s.append(firingsText)
            s.append(offer(store, schema, r, trigger, asOf))
            return s.toString()
        }
    }

    /** The new events through the trigger spec in assets/triggers.json (its state kept across restarts): one line per firing, and the last one. */
    private fun triggers(schema: ProfileSchema, store: OfferStore, events: List<Map<String, String>>, asOf: Long): Pair<String, String?> {
        val text = readAsset("triggers.json") ?: return Pair("\nTriggers: no assets/triggers.json (run android_demo/scripts/sync_bundle.sh)", null)
        val spec = TriggerFeed.spec(text, schema)
        val saved = store.triggerStateFile.takeIf { it.isFile }?.readText(Charsets.UTF_8)
        val engine = if (saved != null) TriggerEngine.fromState(spec, schema, saved) else TriggerEngine(spec, schema)
        val firings = TriggerFeed.feed(engine, schema, events, asOf)
        store.saveTriggerState(engine.toState())
        val s = StringBuilder("\nTriggers (${spec.triggers.size} rules): ${firings.size} fired\n")
        for (f in firings) s.append("   ${TriggerFeed.describe(f)}\n")
        return Pair(s.toString(), firings.lastOrNull()?.trigger)
    }

    /** The offer policy (assets/policy.json) on the scores: the card with its "why", appended to the saved exposure log. */
    private fun offer(store: OfferStore, schema: ProfileSchema, r: ProfilePrediction?, trigger: String?, asOf: Long): String {
        val text = readAsset("policy.json") ?: return "\nOffer: no assets/policy.json (run android_demo/scripts/sync_bundle.sh)"
        val engine = PolicyEngine(Policy.parse(Json.parseObject(text, "policy.json"), schema, "policy.json"), schema, store.log)
        val zone = TimeZone.getDefault().id.takeIf { it in TimeZone.getAvailableIDs() }
        val request = OfferFeed.request(USER, asOf, trigger, listOf("in_app"), OfferFeed.attributes(SyntheticEventLog.attributes(USER), schema),
            r?.let { OfferFeed.scores(it) }, zone)
        val card = OfferFeed.card(engine.decide(request))
        store.saveLog()
        return "\n" + card + "   · exposure log: ${store.log.size} entries (caps hold across restarts)\n"
    }

    private fun readAsset(name: String): String? =
        try { assets.open(name).bufferedReader(Charsets.UTF_8).use { it.readText() } } catch (e: java.io.IOException) { null }

    companion object {
        private const val USER = "demo_user"
        private const val DEVICE = "android"
    }

    override fun onDestroy() {
        worker.shutdown()
        super.onDestroy()
    }
}
