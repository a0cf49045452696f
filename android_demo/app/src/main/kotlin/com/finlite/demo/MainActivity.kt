package com.finlite.demo

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import android.text.Editable
import android.text.TextWatcher
import android.widget.Button
import android.widget.EditText
import android.widget.ScrollView
import android.widget.TextView
import com.finlite.core.bundle.FinliteBundle
import com.finlite.core.pipeline.IntentClassifier
import com.finlite.core.pipeline.ModelRunnerFactory
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/** Search screen: every keystroke runs the intent model and shows the top intents, out-of-scope and timings. */
class MainActivity : Activity() {
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()
    private var classifier: IntentClassifier? = null
    private lateinit var results: TextView
    private lateinit var timing: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "finlite · intent search"
        val root = Ui.column(this)
        val query = EditText(this).apply { hint = "Ask the bank… (e.g. 我的卡丢了 / where is my card?)" }
        results = Ui.text(this, 18f)
        timing = Ui.text(this, 13f)
        val profile = Button(this).apply {
            text = "Customer profile demo"
            setOnClickListener { startActivity(Intent(this@MainActivity, ProfileActivity::class.java)) }
        }
        root.addView(query, Ui.fullWidth())
        root.addView(results, Ui.fullWidth())
        root.addView(timing, Ui.fullWidth())
        root.addView(profile, Ui.fullWidth())
        setContentView(ScrollView(this).apply { fitsSystemWindows = true; addView(root) }) // insets: edge-to-edge on API 35

        results.text = "Loading the intent bundle…"
        worker.execute {
            val message = try {
                val bundle = FinliteBundle.load(AssetBundleSource(assets, "intent"))
                classifier = IntentClassifier(bundle, application as ModelRunnerFactory, Ui.PRECISION)
                "Bundle verified (sha256 of ${bundle.manifest.files.size} files), ${bundle.labels.size} intents. Type a question."
            } catch (e: Exception) {
                "Cannot load assets/intent: ${e.message}\nRun android_demo/scripts/sync_bundle.sh first."
            }
            runOnUiThread { results.text = message }
        }
        query.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) {}
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) {}
            override fun afterTextChanged(s: Editable?) = classify(s?.toString() ?: "")
        })
    }

    private fun classify(text: String) {
        worker.execute {
            val c = classifier ?: return@execute
            val timed = c.classify(text)
            val r = timed.result
            val lines = StringBuilder()
            lines.append(if (r.isOutOfScope) "→ out of scope (${r.label})\n" else "→ ${r.label}\n")
            for (s in r.topK) lines.append("   ${s.label}  ${Ui.percent(s.prob.toDouble())}\n")
            val info = "${timed.summary} · ${c.artifact.file}"
            runOnUiThread {
                results.text = lines.toString()
                timing.text = info
            }
        }
    }

    override fun onDestroy() {
        worker.execute { classifier?.close() }
        worker.shutdown()
        super.onDestroy()
    }
}
