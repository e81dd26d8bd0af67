package dev.strata.tier.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a store directory ({@code store.lock}), held from open to close, so two stores (in this JVM
 * or another process) never append to, recover, or wipe the same segment files. The OS drops the lock when the
 * process dies, so a crash never leaves the directory locked. Thread-safe; released once.
 */
final class DirectoryLock implements AutoCloseable {

    static final String FILE_NAME = "store.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory} for one store.
     *
     * @throws IllegalStateException if another store holds the directory
     * @throws IOException           if the lock file cannot be created or locked
     */
    static DirectoryLock acquire(Path directory) throws IOException {
        return Segment.holdingInterrupt(() -> lock(directory));     // an interrupted caller opens a store too
    }

    private static DirectoryLock lock(Path directory) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve(FILE_NAME), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("directory: " + directory + " (expected: not in use by another disk store)");
        }
        return new DirectoryLock(channel, lock);
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
