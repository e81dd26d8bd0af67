package dev.strata.tier.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GhostHashesTest {

    @Test
    void remembersAHashUntilItIsRemovedOnce() {
        GhostHashes ghost = new GhostHashes();
        assertFalse(ghost.remove(42), "nothing remembered yet");
        ghost.add(42);
        assertFalse(ghost.remove(43), "another hash");
        assertTrue(ghost.remove(42));
        assertFalse(ghost.remove(42), "forgotten once removed");
    }

    @Test
    void theHashZeroIsRememberedThoughItIsTheEmptyBucket() {
        GhostHashes ghost = new GhostHashes();
        assertFalse(ghost.remove(0), "an empty bucket is not the hash 0");
        ghost.add(0);
        assertTrue(ghost.remove(0));
    }

    @Test
    void aNewerHashInTheSameBucketReplacesTheOlder() {
        GhostHashes ghost = new GhostHashes();
        int first = 12345;
        int rival = -1;
        for (int candidate = first + 1; rival < 0; candidate++) {  // find another hash landing in first's bucket
            GhostHashes probe = new GhostHashes();
            probe.add(first);
            probe.add(candidate);
            if (!probe.remove(first)) {
                rival = candidate;
            }
        }
        ghost.add(first);
        ghost.add(rival);
        assertFalse(ghost.remove(first), "the older hash was replaced");
        assertTrue(ghost.remove(rival));
    }

    @Test
    void fitGrowsToOneOrTwoBucketsPerRecordAndKeepsWhatItRemembers() {
        GhostHashes ghost = new GhostHashes();
        assertEquals(GhostHashes.MIN_LENGTH, ghost.length());
        ghost.add(42);
        ghost.fit(GhostHashes.MIN_LENGTH);
        assertEquals(GhostHashes.MIN_LENGTH, ghost.length(), "as many records as buckets: no growth");
        assertTrue(ghost.remove(42), "kept while the table stays");
        int[] remembered = {42, -7, 123_456_789, 0};
        for (int hash : remembered) {
            ghost.add(hash);
        }
        ghost.fit(3000);
        assertEquals(4096, ghost.length());
        ghost.fit(5000);
        assertEquals(8192, ghost.length());
        for (int hash : remembered) {
            assertTrue(ghost.remove(hash), "remembered across two growths: " + hash);
        }
        ghost.fit(100);
        assertEquals(8192, ghost.length(), "never shrinks");
    }
}
