// Pure Kotlin/JVM: preprocessing, post-processing, bundle verification and the pipelines, testable without Android.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

java {
    sourceCompatibility = JavaVersion.VERSION_1_8
    targetCompatibility = JavaVersion.VERSION_1_8
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_1_8)
    }
}

dependencies {
    testImplementation("junit:junit:4.13.2")
}

// The same golden files as `make test-android`: the bundles of `make test-bundles` and tests/golden.
val repoRoot = rootProject.projectDir.parentFile
tasks.test {
    systemProperty("finlite.bundles", (findProperty("finlite.bundles") as String?) ?: File(repoRoot, "build/test-bundles").path)
    systemProperty("finlite.golden", File(repoRoot, "tests/golden").path)
    inputs.dir(File(repoRoot, "tests/golden"))
    testLogging {
        events("failed")
        exceptionFormat = org.gradle.api.tasks.testing.logging.TestExceptionFormat.FULL
    }
}
