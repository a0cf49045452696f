package com.finlite.core.text

import com.finlite.core.json.JsonArray
import com.finlite.core.json.JsonException

/** Inclusive code point ranges `[lo, hi]`; membership by binary search over the merged, sorted ranges. */
class CodePointRanges(ranges: List<IntArray>) {
    private val starts: IntArray
    private val ends: IntArray

    init {
        val sorted = ranges.sortedWith(Comparator { a, b -> if (a[0] != b[0]) a[0].compareTo(b[0]) else a[1].compareTo(b[1]) })
        val lo = ArrayList<Int>()
        val hi = ArrayList<Int>()
        for (r in sorted) {
            if (lo.isNotEmpty() && r[0] <= hi[hi.size - 1] + 1) {
                if (r[1] > hi[hi.size - 1]) hi[hi.size - 1] = r[1]
            } else {
                lo.add(r[0])
                hi.add(r[1])
            }
        }
        starts = lo.toIntArray()
        ends = hi.toIntArray()
    }

    operator fun contains(cp: Int): Boolean {
        var a = 0
        var b = starts.size - 1
        var found = -1
        while (a <= b) { // last start <= cp
            val mid = (a + b) ushr 1
            if (starts[mid] <= cp) { found = mid; a = mid + 1 } else b = mid - 1
        }
        return found >= 0 && cp <= ends[found]
    }

    companion object {
        fun fromJson(array: JsonArray): CodePointRanges {
            val ranges = (0 until array.size).map { k ->
                val pair = array.array(k)
                if (pair.size != 2) throw JsonException("${array.path}[$k] must be [lo, hi]")
                val lo = pair.long(0)
                val hi = pair.long(1)
                if (lo < 0 || lo > hi || hi > 0x10FFFF) throw JsonException("${array.path}[$k]: need 0 <= lo <= hi <= 0x10FFFF")
                intArrayOf(lo.toInt(), hi.toInt())
            }
            return CodePointRanges(ranges)
        }
    }
}
