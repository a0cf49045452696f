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
        return nfkc.toLowerCase(Locale.ROOT);
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
