package dev.strata.it.scenario;

import java.nio.charset.StandardCharsets;

/**
 * The items of the cache service: the value of item {@code id} at {@code version} is derived from both by a slow,
 * deterministic computation (a chain of {@value #CHAIN_STEPS} 64-bit mixing steps, standing in for a slow backing
 * store without sleeping), so the service's clients can check every response they get.
 * <pre>
 *   id=ID;version=V;hash=HEX16;PADDING        ASCII, {@value #SIZE} bytes; PADDING repeats HEX16
 * </pre>
 * Stateless and thread-safe.
 */
public final class ItemValues {

    static final int CHAIN_STEPS = 200_000;
    static final int SIZE = 6 * 1024;

    private ItemValues() {
    }

    /**
     * {@return the value of item {@code id} at {@code version}}
     *
     * @param id the item
     * @param version its version
     */
    public static byte[] render(long id, long version) {
        String hash = Long.toHexString(chain(id, version));
        StringBuilder text = new StringBuilder(SIZE).append("id=").append(id).append(";version=").append(version)
                .append(";hash=").append(hash).append(';');
        while (text.length() < SIZE) {
            text.append(hash);
        }
        text.setLength(SIZE);
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@return the version of {@code body} if it is exactly the value of item {@code id} at some version, else -1}
     *
     * @param id the item asked for
     * @param body the response body
     */
    public static long versionOf(long id, byte[] body) {
        String text = new String(body, StandardCharsets.US_ASCII);
        String prefix = "id=" + id + ";version=";
        if (!text.startsWith(prefix)) {
            return -1;
        }
        int end = text.indexOf(';', prefix.length());
        if (end < 0) {
            return -1;
        }
        long version;
        try {
            version = Long.parseLong(text.substring(prefix.length(), end));
        } catch (NumberFormatException e) {
            return -1;
        }
        return java.util.Arrays.equals(body, render(id, version)) ? version : -1;
    }

    private static long chain(long id, long version) {
        long h = id * 0x9E3779B97F4A7C15L ^ version;
        for (int step = 0; step < CHAIN_STEPS; step++) {
            h ^= h >>> 33;
            h *= 0xFF51AFD7ED558CCDL;
            h ^= h >>> 29;
        }
        return h;
    }
}
