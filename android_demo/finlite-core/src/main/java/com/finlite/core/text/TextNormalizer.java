package com.finlite.core.text;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Step 1 of finlite.text/1: lone surrogates to U+FFFD, Unicode NFKC, then the full, locale-independent
 * lower-case mapping (Final_Sigma rule included, as in Python's {@code str.lower()}).
 *
 * <p>Java, not Kotlin, on purpose: Kotlin's {@code lowercase(Locale)} does not exist in Kotlin 1.3 (the
 * compiler of the JVM test run) and {@code toLowerCase(Locale)} is an error since Kotlin 2.1; Java's
 * {@code String.toLowerCase(Locale.ROOT)} is the same function under both.
 */
public final class TextNormalizer {
    private TextNormalizer() {
    }

    /** {@code lowercase(NFKC(text))} with unpaired surrogates replaced first. */
    public static String normalize(String text) {
        String nfkc = Normalizer.normalize(replaceLoneSurrogates(text), Normalizer.Form.NFKC);
        return nfkc.indexOf('\u03A3') < 0 ? nfkc.toLowerCase(Locale.ROOT) : lowerWithFinalSigma(nfkc);
    }

    /**
     * The full lower-case mapping with Unicode's Final_Sigma rule as Python applies it: U+03A3 becomes U+03C2
     * iff preceded by a cased code point (skipping case-ignorable ones) and not followed by one (skipping
     * case-ignorable ones). Java's own {@code toLowerCase} decides by word boundaries instead, so
     * "ΟΔΟΣ3p" would keep σ there (the fuzz golden text_fuzz_v1.json found it).
     */
    static String lowerWithFinalSigma(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (cp == 0x03A3) {
                out.append(isFinalSigma(s, i, next) ? '\u03C2' : '\u03C3');
            } else {
                out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            }
            i = next;
        }
        return out.toString();
    }

    private static boolean isFinalSigma(String s, int at, int after) {
        int j = at;
        int before = -1;
        while (j > 0) {
            before = s.codePointBefore(j);
            if (!isCaseIgnorable(before)) break;
            j -= Character.charCount(before);
            before = -1;
        }
        if (before < 0 || !isCased(before)) return false;
        for (int k = after; k < s.length(); ) {
            int cp = s.codePointAt(k);
            if (!isCaseIgnorable(cp)) return !isCased(cp);
            k += Character.charCount(cp);
        }
        return true;
    }

    /** Unicode's Cased: Lowercase, Uppercase (both with their Other_ parts, as Java's predicates) or Lt. */
    static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode's Case_Ignorable: Mn, Me, Cf, Lm, Sk, and the Word_Break MidLetter / MidNumLet / Single_Quote characters. */
    static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.FORMAT:
            case Character.MODIFIER_LETTER:
            case Character.MODIFIER_SYMBOL:
                return true;
            default:
                break;
        }
        switch (cp) {
            case 0x0027: case 0x002E: case 0x003A: case 0x00B7: case 0x0387: case 0x055F: case 0x05F4: case 0x2018:
            case 0x2019: case 0x2024: case 0x2027: case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E:
            case 0xFF1A:
                return true;
            default:
                return false;
        }
    }

    /** Unpaired UTF-16 surrogates become U+FFFD (a separator), as the reference implementation does. */
    static String replaceLoneSurrogates(String text) {
        StringBuilder out = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean lone;
            if (Character.isHighSurrogate(c)) {
                lone = i + 1 >= n || !Character.isLowSurrogate(text.charAt(i + 1));
                if (!lone) {
                    if (out != null) out.append(c).append(text.charAt(i + 1));
                    i++;
                    continue;
                }
            } else {
                lone = Character.isLowSurrogate(c);
            }
            if (lone && out == null) out = new StringBuilder(text.substring(0, i));
            if (out != null) out.append(lone ? '\uFFFD' : c);
        }
        return out == null ? text : out.toString();
    }
}
