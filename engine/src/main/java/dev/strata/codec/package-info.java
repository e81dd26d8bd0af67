/**
 * Codecs: values to bytes and back, for the tiers below the heap.
 *
 * <p>A value lives as an object in the heap tier and as bytes in the off-heap tier (pages of native memory) and the
 * disk tier (file buffers); both hand a codec a {@link java.lang.foreign.MemorySegment}, and heap arrays take part
 * through {@link java.lang.foreign.MemorySegment#ofArray(byte[])}. Moving a value down encodes it once; moving bytes
 * from off-heap to disk copies them as they are; reading from a lower tier decodes.
 *
 * <p>{@link dev.strata.codec.Codec} is the contract (exact {@code encodedSize}, nothing written outside the range,
 * the {@code java.lang.foreign} exception taxonomy, thread-safe and stateless); {@link dev.strata.codec.Codecs} has
 * the built-in codecs and documents each wire format. chronicle-bytes is an optional dependency used only by
 * {@link dev.strata.codec.Codecs#marshallable(java.util.function.Supplier)}.
 */
package dev.strata.codec;
