package com.finlite.demo

import com.finlite.core.policy.ExposureLog
import java.io.File

/**
 * What the app keeps on the phone for offers, in one folder (the app's files dir): the exposure log (so the
 * caps hold across app restarts), the profile state and the trigger state. "Reset my profile" clears both states
 * and appends a reset to the log, which erases the user's exposures (docs/policy.md, "The exposure log").
 */
class OfferStore(private val dir: File, device: String) {
    private val logFile = File(dir, "exposures.jsonl")
    val profileStateFile = File(dir, "profile_state.bin")
    val triggerStateFile = File(dir, "trigger_state.json")
    private val anchorFile = File(dir, "synthetic_anchor_ms")

    /** The log as saved; a broken file is an error naming its line, never silently replaced. */
    val log: ExposureLog = ExposureLog(device, if (logFile.isFile) ExposureLog.readEntries(logFile.readText(Charsets.UTF_8), logFile.path) else listOf())

    /** Writes the log (whole, through a temporary file, so a crash never leaves half a log). */
    fun saveLog() = write(logFile, log.toLines().toByteArray(Charsets.UTF_8))

    fun saveProfileState(bytes: ByteArray) = write(profileStateFile, bytes)

    fun saveTriggerState(text: String) = write(triggerStateFile, text.toByteArray(Charsets.UTF_8))

    /** The time of [user]'s latest "reset my profile", or null: events before it are not fed again. */
    fun resetAt(user: String): Long? = log.filter { it.kind == "reset" && it.user == user }.map { it.at }.max()

    /** When the built-in synthetic history ends: the first start's [nowMs], kept so a restart sees the same events. */
    fun anchorMs(nowMs: Long): Long {
        anchorFile.takeIf { it.isFile }?.readText()?.trim()?.toLongOrNull()?.let { return it }
        write(anchorFile, nowMs.toString().toByteArray(Charsets.UTF_8))
        return nowMs
    }

    /**
     * The rows of [events] ([column] its timestamps, epoch ms) not yet in the saved states: newer than [newestMs] (the
     * restored profile state's newest event) and after [user]'s latest reset.
     */
    fun freshEvents(events: List<Map<String, String>>, column: String, user: String, newestMs: Long?): List<Map<String, String>> {
        val after = listOfNotNull(newestMs, resetAt(user)).max()
        return events.filter { after == null || it.getValue(column).toLong() > after }
    }

    /** "Reset my profile": the profile and trigger states are deleted and a reset entry is appended and saved. */
    fun resetProfile(user: String, nowMs: Long) {
        for (f in listOf(profileStateFile, triggerStateFile)) if (f.exists() && !f.delete()) throw java.io.IOException("cannot delete $f")
        log.reset(user, nowMs)
        saveLog()
    }

    private fun write(file: File, bytes: ByteArray) {
        dir.mkdirs()
        val tmp = File(dir, file.name + ".tmp")
        tmp.writeBytes(bytes)
        if (!tmp.renameTo(file)) throw java.io.IOException("cannot replace $file")
    }
}
