package dev.strata.exec;

import java.io.IOException;

/** One sorted input of a merge: a spill file, or the sorter's in-memory remainder. Not thread-safe. */
interface SortedRun extends AutoCloseable {

    /** Moves to the next record. {@return false when the run has no more} */
    boolean advance() throws IOException;

    /** {@return the current record's key; a fresh array the caller may keep} */
    byte[] key();

    /** {@return the current record's value; a fresh array the caller may keep} */
    byte[] value();

    @Override
    void close() throws IOException;

    /** A spill file read back block by block. */
    record FromFile(RunReader reader) implements SortedRun {
        @Override
        public boolean advance() throws IOException {
            return reader.next();
        }

        @Override
        public byte[] key() {
            return reader.key();
        }

        @Override
        public byte[] value() {
            return reader.value();
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** The sorted in-memory buffer, read through its pointer array. */
    final class InMemory implements SortedRun {
        private final PointerArray pointers;
        private final RecordPages records;
        private int next;
        private long address;

        InMemory(PointerArray pointers, RecordPages records) {
            this.pointers = pointers;
            this.records = records;
        }

        @Override
        public boolean advance() {
            if (next == pointers.size()) {
                return false;
            }
            address = pointers.address(next++);
            return true;
        }

        @Override
        public byte[] key() {
            return records.key(address);
        }

        @Override
        public byte[] value() {
            return records.value(address);
        }

        @Override
        public void close() {
        }
    }
}
