package dev.strata.tier;

import dev.strata.Tier;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the expiry tests share: an engine of 128 KiB heap and off-heap regions (4 KiB pages) and a 64 MiB disk quota in
 * a fresh directory, a clock the test moves by hand, and the four tier layouts they run on
 * ({@link ExpiryTest#layouts}).
 */
abstract class ExpiryFixture {

    static final long REGION = 128 * 1024;

    @TempDir
    Path dir;

    final ExpiryTest.ManualClock clock = new ExpiryTest.ManualClock();

    static Stream<List<Tier>> layouts() {
        return ExpiryTest.layouts();
    }

    TestEngine engine() {
        return new TestEngine(REGION, REGION, 4096, dir, 64L << 20);
    }
}
