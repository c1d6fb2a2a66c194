package io.fleetacct.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test of real parts: the kernel interface, a Kafka broker, PostgreSQL, Chromium, helm or child
 * JVMs. Maven's failsafe plugin runs these (integration-test phase, {@code mvn verify}); surefire
 * runs the rest ({@code mvn test}: fast, no root, nothing installed).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(IntegrationTest.TAG)
public @interface IntegrationTest {

  /** The JUnit tag, as the build's {@code groups} and {@code excludedGroups} name it. */
  String TAG = "integration";
}
