package com.finlite.demo

import android.content.Context
import android.graphics.Typeface
import android.view.ViewGroup
import android.widget.LinearLayout
import android.widget.TextView

/** Small helpers for the code-built screens (no XML layouts, so no generated R class is needed). */
internal object Ui {
    const val PRECISION = "fp32" // model.tflite; "int8" runs model.int8.tflite

    fun column(context: Context): LinearLayout = LinearLayout(context).apply {
        orientation = LinearLayout.VERTICAL
        val pad = dp(context, 16)
        setPadding(pad, pad, pad, pad)
    }

    fun text(context: Context, size: Float = 16f, bold: Boolean = false): TextView = TextView(context).apply {
        textSize = size
        if (bold) setTypeface(typeface, Typeface.BOLD)
        setPadding(0, dp(context, 6), 0, dp(context, 6))
    }

    fun fullWidth(): LinearLayout.LayoutParams =
        LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)

    fun percent(p: Double): String = String.format(java.util.Locale.ROOT, "%.1f %%", 100 * p)

    private fun dp(context: Context, value: Int): Int = (value * context.resources.displayMetrics.density).toInt()
}
