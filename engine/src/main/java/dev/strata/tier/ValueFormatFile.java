package dev.strata.tier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The file in a persistent cache's disk directory ({@value #FILE_NAME}) that says how its records' values are
 * encoded: {@code deadline} when each carries the 8-byte deadline of a cache with a time to live ahead of its bytes
 * ({@link ExpiringCodec}), {@code plain} when it does not. Reading records of the one kind as the other would decode
 * garbage, so a cache built the other way refuses to open files that hold entries. Directories written before this
 * file existed hold plain values. The file is replaced by an atomic rename, and only while the store holds its
 * directory's lock.
 */
final class ValueFormatFile {

    static final String FILE_NAME = "values.format";
    private static final String DEADLINE = "deadline";
    private static final String PLAIN = "plain";

    private ValueFormatFile() {
    }

    /**
     * Checks that the values in {@code directory} are encoded as a cache with ({@code expiring}) or without a time to
     * live expects, and records the format if the file is missing or the store is empty.
     *
     * @param hasEntries whether the store recovered any entry
     * @throws IllegalArgumentException if the store holds entries of the other format
     * @throws IOException if the file cannot be read or written
     */
    static void check(Path directory, String cacheName, boolean expiring, boolean hasEntries) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        String wanted = expiring ? DEADLINE : PLAIN;
        String found = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
        String held = found != null ? found : PLAIN;
        if (hasEntries && !held.equals(wanted)) {
            throw new IllegalArgumentException("cache '" + cacheName + "': its persistent values are " + held + " ("
                    + describe(held) + "), but the cache is built " + (expiring ? "with" : "without")
                    + " a time to live or to idle or a refresh (expected: what its files were written with:"
                    + " expireAfterWrite, expireAfterAccess or refreshAfterWrite, or none of them)");
        }
        if (!wanted.equals(found)) {
            Path next = directory.resolve(FILE_NAME + ".tmp");
            Files.writeString(next, wanted + "\n", StandardCharsets.UTF_8);
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String describe(String format) {
        return switch (format) {
            case DEADLINE -> "written with expireAfterWrite, expireAfterAccess or refreshAfterWrite";
            case PLAIN -> "written without a time to live or to idle or a refresh";
            default -> "a format this build does not know";
        };
    }
}
