package dev.strata.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reading the engine's JDK Flight Recorder events back in a test: a real recording, dumped to a file and parsed, as a
 * user's {@code jfr print} would see it.
 */
public final class FlightRecordings {

    private FlightRecordings() {
    }

    /** What a test does while the recording runs. */
    @FunctionalInterface
    public interface Work {
        /**
         * Does it.
         *
         * @throws Exception whatever the test's work throws; the recording is closed all the same
         */
        void run() throws Exception;
    }

    /**
     * Runs {@code work} under a recording of the events named {@code events} (and only those).
     *
     * @param directory where the recording's file goes (a test's temporary directory)
     * @param events    the event names to enable
     * @param work      what to record
     * @return the recorded events of those names, in the order the file gives them
     * @throws Exception what {@code work} threw, or an I/O error of the recording's file
     */
    public static List<RecordedEvent> record(Path directory, List<String> events, Work work) throws Exception {
        Path file = Files.createTempFile(directory, "events-", ".jfr");
        try (Recording recording = new Recording()) {
            for (String name : events) {
                recording.enable(name);
            }
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream().filter(e -> events.contains(e.getEventType().getName()))
                .toList();
    }
}
