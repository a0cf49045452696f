// The demo app: search box → intents; profile screen → stage, tags, products; LiteRT interpreter.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "com.finlite.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "com.finlite.demo"
        minSdk = 23 // the API level `make test-android` compile-checks against
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_1_8
        targetCompatibility = JavaVersion.VERSION_1_8
    }

    androidResources {
        noCompress += "tflite"
    }

    // app/src/test: the synthetic event log on the JVM, against the bundles of `make test-bundles`
    testOptions {
        unitTests.all {
            val repoRoot = rootProject.projectDir.parentFile
            it.systemProperty("finlite.bundles", (findProperty("finlite.bundles") as String?) ?: File(repoRoot, "build/test-bundles").path)
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_1_8)
    }
}

dependencies {
    implementation(project(":finlite-core"))
    // LiteRT (formerly TensorFlow Lite): the org.tensorflow.lite.Interpreter API, CPU, minSdk 21.
    implementation("com.google.ai.edge.litert:litert:1.4.1")
    testImplementation("junit:junit:4.13.2")
}

// Copies the bundles into src/main/assets before a build: ./gradlew :app:syncBundles -PintentBundle=… -PprofileBundle=…
val syncBundles by tasks.registering(Exec::class) {
    group = "finlite"
    description = "Copy finlite bundles into app/src/main/assets (scripts/sync_bundle.sh)."
    val repoRoot = rootProject.projectDir.parentFile
    val intent = (findProperty("intentBundle") as String?) ?: File(repoRoot, "build/test-bundles/intent").path
    val profile = (findProperty("profileBundle") as String?) ?: File(repoRoot, "build/test-bundles/profile").path
    commandLine(rootProject.file("scripts/sync_bundle.sh").path, intent, profile)
}
