package com.finlite.demo

import android.content.res.AssetManager
import com.finlite.core.bundle.BundleSource
import java.io.FileNotFoundException
import java.io.InputStream

/** A bundle copied into the APK's assets by scripts/sync_bundle.sh (`assets/intent/`, `assets/profile/`). */
class AssetBundleSource(private val assets: AssetManager, private val folder: String) : BundleSource {
    override val description: String get() = "assets/$folder"

    override fun open(name: String): InputStream? = try {
        assets.open("$folder/$name")
    } catch (e: FileNotFoundException) {
        null
    }
}
