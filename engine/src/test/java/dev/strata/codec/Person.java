package dev.strata.codec;

import java.io.Serializable;
import java.util.List;

/** A serializable value for the java-serialization codec: a record with a string, a number and a JDK list. */
record Person(String name, int age, List<String> tags) implements Serializable {
}
