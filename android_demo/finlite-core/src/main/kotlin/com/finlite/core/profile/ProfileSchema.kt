package com.finlite.core.profile

import com.finlite.core.bundle.Formats
import com.finlite.core.json.JsonException
import com.finlite.core.json.JsonObject

/** Id 0 = missing (an empty cell; also the padding of event rows), 1 = out of vocabulary; values from 2. */
const val MISSING_ID = 0
const val OOV_ID = 1

/**
 * One event field or user attribute of the data schema (docs/schema.md): `categorical` (ids from 2 in the
 * order of [values]), `numeric` (a [transform], optional [clip] and validity bounds [min] / [max]) or `multi`.
 */
class SchemaField(
    val name: String,
    val kind: String,
    val column: String,
    val role: String,
    val values: List<String>,
    val separator: String,
    val transform: String,
    val clip: DoubleArray?,
    val min: Double?,
    val max: Double?
) {
    /** value → id (2..). */
    val ids: Map<String, Int> = values.withIndex().associate { it.value to it.index + 2 }
    val vocabSize: Int get() = values.size + 2

    companion object {
        val KINDS = listOf("categorical", "numeric", "multi")
        val TRANSFORMS = listOf("log1p", "signed_log1p", "identity")

        fun fromJson(o: JsonObject): SchemaField {
            val kind = o.string("kind")
            if (kind !in KINDS) throw JsonException("${o.path}.kind: unknown kind \"$kind\"; expected one of $KINDS")
            val name = o.string("name")
            fun optDouble(key: String): Double? = if (o.opt(key) == null) null else o.double(key)
            val transform = if (kind == "numeric") o.string("transform") else ""
            if (kind == "numeric" && transform !in TRANSFORMS) throw JsonException("${o.path}.transform: unknown transform \"$transform\"")
            val clip = if (o.opt("clip") == null) null else o.array("clip").doubles().also {
                if (it.size != 2 || it[0] > it[1]) throw JsonException("${o.path}.clip: must be [low, high]")
            }
            val values = if (kind == "numeric") emptyList() else o.array("values").strings()
            if (values.toSet().size != values.size) throw JsonException("${o.path}.values: a value is listed twice")
            return SchemaField(
                name = name, kind = kind,
                column = if (o.has("column")) o.string("column") else name,
                role = if (o.has("role")) o.string("role") else "",
                values = values,
                separator = if (o.has("separator")) o.string("separator") else ";",
                transform = transform, clip = clip, min = optDouble("min"), max = optDouble("max")
            )
        }
    }
}

/**
 * The data schema carried in a profile bundle's preprocess.json (`profile.schema`, format [Formats.SCHEMA]):
 * the role columns, the event and user fields, and the labels' stages, tags and products. Every vocabulary,
 * tag and stage the app uses comes from here.
 */
class ProfileSchema(
    val eventUserId: String,
    val eventTimestamp: String,
    val userUserId: String,
    val eventFields: List<SchemaField>,
    val userFields: List<SchemaField>,
    val stages: List<String>,
    val tags: List<String>,
    val products: List<String>
) {
    /** The categorical event fields, the event name first: the `cat` columns before the hour. */
    val eventCategoricals: List<SchemaField> = eventFields.filter { it.kind == "categorical" }.sortedBy { if (it.role == "event") 0 else 1 }
    val eventNumerics: List<SchemaField> = eventFields.filter { it.kind == "numeric" }

    companion object {
        fun fromJson(o: JsonObject): ProfileSchema {
            Formats.mismatch("schema ${o.path}", o.opt("format"), Formats.SCHEMA)?.let { throw JsonException(it) }
            val events = o.obj("events")
            val users = o.obj("users")
            val labels = o.obj("labels")
            fun role(part: JsonObject, key: String, default: String) = if (part.has(key)) part.string(key) else default
            val eventFields = events.array("fields").objects().map { SchemaField.fromJson(it) }
            val userFields = users.array("fields").objects().map { SchemaField.fromJson(it) }
            val eventNames = eventFields.filter { it.role == "event" }
            if (eventNames.size != 1 || eventNames[0].kind != "categorical") {
                throw JsonException("${events.path}.fields: exactly one categorical event field needs \"role\": \"event\", found ${eventNames.size}")
            }
            if (eventFields.any { it.kind == "multi" }) throw JsonException("${events.path}.fields: events have no multi fields")
            return ProfileSchema(
                eventUserId = role(events, "user_id", "user_id"),
                eventTimestamp = role(events, "timestamp", "timestamp"),
                userUserId = role(users, "user_id", "user_id"),
                eventFields = eventFields,
                userFields = userFields,
                stages = labels.array("stages").strings(),
                tags = labels.array("tags").objects().map { it.string("name") },
                products = labels.array("products").strings()
            )
        }
    }
}
