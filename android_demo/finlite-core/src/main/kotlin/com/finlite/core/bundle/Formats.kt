package com.finlite.core.bundle

/**
 * Every `finlite.*` format string this library reads, defined once (FinliteKit's `Formats` holds the same
 * values). A file or block of another format is refused with [mismatch]'s wording, the same on both platforms.
 */
object Formats {
    /** manifest.json */
    const val BUNDLE = "finlite.bundle/1"

    /** preprocess.json */
    const val PREPROCESS = "finlite.preprocess/1"

    /** golden.json (read by the tests) */
    const val GOLDEN = "finlite.golden/1"

    /** The `text` spec of an intent bundle's preprocess.json. */
    const val TEXT = "finlite.text/1"

    /** The `profile` spec and the `tensors` description of a profile bundle's preprocess.json. */
    const val PROFILE = "finlite.profile/2"

    /** The data schema inside a profile spec (its `schema`: fields, vocabularies, tags, stages; docs/schema.md). */
    const val SCHEMA = "finlite.schema/1"

    /** Null when [found] is [expected], else the refusal `<where>: <field> "<found>", this library reads <expected>`. */
    fun mismatch(where: String, found: Any?, expected: String, field: String = "format"): String? =
        if (found == expected) null else "$where: $field \"$found\", this library reads $expected"
}
