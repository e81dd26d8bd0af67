package dev.strata.tier;

import dev.strata.DataSize;
import dev.strata.Tier;
import dev.strata.cache.Cache;
import dev.strata.cache.Promotion;
import dev.strata.codec.Codecs;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the whole-cache tests ({@link EntryWalkTest}, {@link CacheMapTest}) share: an engine of 128 KiB heap and
 * off-heap regions (4 KiB pages) and a 256 MiB disk quota in a fresh directory, every tier layout, and a cache whose
 * tiers above the lowest hold 16 KiB each, so its values lie in every tier.
 */
abstract class LayoutFixture {

    static final long REGION = 128 * 1024;

    @TempDir
    Path dir;

    static Stream<List<Tier>> combinations() {
        return TieredCacheModelTest.combinations();
    }

    static Stream<List<Tier>> withDisk() {
        return combinations().filter(tiers -> tiers.contains(Tier.DISK));
    }

    TestEngine engine() {
        return new TestEngine(REGION, REGION, 4096, dir, 256L << 20);
    }

    /** {@return the cache of {@code tiers}, every tier but the lowest held to 16 KiB} */
    static Cache<Integer, String> cache(TestEngine engine, List<Tier> tiers, Promotion promotion) {
        Cache.Builder<Integer, String> builder = engine.caches.newCache("layout", Codecs.int32(), Codecs.utf8())
                .tiers(tiers.toArray(Tier[]::new)).promotion(promotion);
        for (Tier tier : tiers.subList(0, tiers.size() - 1)) {
            builder.maximumSize(tier, DataSize.ofKibibytes(16));
        }
        return builder.build();
    }
}
