package io.fleetacct.embedded.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a real Kafka broker: declare an {@link EmbeddedKafkaBroker} parameter on a
 * constructor, {@code @BeforeAll}, {@code @BeforeEach} or test method; or a cluster of
 * {@link #brokers()} nodes: an {@link EmbeddedKafkaCluster} parameter.
 *
 * <p>By default one broker serves every test class of the run that asks for it (starting one takes
 * a few seconds), so tests use topic names of their own. A class that stops or restarts the broker
 * asks for one of its own with {@code dedicated = true}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(KafkaBrokerExtension.class)
public @interface WithKafkaBroker {
  /** A broker for this class alone, stopped after its last test. */
  boolean dedicated() default false;

  /**
   * The nodes of the {@link EmbeddedKafkaCluster} that an {@code EmbeddedKafkaCluster} parameter
   * gets (an {@code EmbeddedKafkaBroker} parameter always gets a broker of its own).
   */
  int brokers() default 3;
}
