package dev.strata.memory;

import java.util.LinkedHashMap;
import java.util.Map;

/** Counts leaked pages by owner and describes them: the count, the bytes and the first few owners. Not thread-safe. */
final class LeakReport {

    private final int maxOwners;
    private final Map<String, Integer> pagesByOwner = new LinkedHashMap<>();
    private long pages;

    LeakReport(int maxOwners) {
        this.maxOwners = maxOwners;
    }

    void add(Object owner) {
        pages++;
        pagesByOwner.merge(String.valueOf(owner), 1, Integer::sum);
    }

    boolean isEmpty() {
        return pages == 0;
    }

    /** {@return e.g. "<prefix> 3 pages (12288 bytes) still allocated; owners: [sorter x2, tier x1]"} */
    String describe(String prefix, long pageSize) {
        StringBuilder text = new StringBuilder(prefix).append(' ').append(pages).append(" pages (").append(pages * pageSize)
                .append(" bytes) still allocated; owners: [");
        int shown = 0;
        for (Map.Entry<String, Integer> entry : pagesByOwner.entrySet()) {
            if (shown == maxOwners) {
                text.append(", ... ").append(pagesByOwner.size() - shown).append(" more");
                break;
            }
            text.append(shown++ == 0 ? "" : ", ").append(entry.getKey()).append(" x").append(entry.getValue());
        }
        return text.append(']').toString();
    }
}
