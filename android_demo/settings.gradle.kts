// finlite Android demo: `app` (LiteRT, Android) + `finlite-core` (pure Kotlin/JVM, no Android dependency).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "finlite-android-demo"
include(":finlite-core", ":app")
