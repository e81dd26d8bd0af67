package dev.strata.it.scenario;

import java.time.Instant;
import java.time.InstantSource;

/** A clock the scenario sets: the expiring runs read {@code CLOCK_START + write number}, not the wall clock. */
final class StepClock implements InstantSource {

    private volatile long millis;

    StepClock(long millis) {
        this.millis = millis;
    }

    void set(long millis) {
        this.millis = millis;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }
}
