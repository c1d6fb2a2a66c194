package io.fleetacct.embedded.testing;

import io.fleetacct.embedded.EmbeddedKafkaBroker;
import io.fleetacct.embedded.EmbeddedKafkaCluster;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** The JUnit 5 extension behind {@link WithKafkaBroker}. */
public final class KafkaBrokerExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == EmbeddedKafkaBroker.class || type == EmbeddedKafkaCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Optional<WithKafkaBroker> settings = context.getTestClass()
        .flatMap(c -> AnnotationSupport.findAnnotation(c, WithKafkaBroker.class));
    boolean dedicated = settings.map(WithKafkaBroker::dedicated).orElse(false);
    ExtensionContext owner = dedicated ? classContext(context) : context.getRoot();
    // The store closes what it holds (AutoCloseable) when the owning context ends.
    if (parameter.getParameter().getType() == EmbeddedKafkaCluster.class) {
      int size = settings.map(WithKafkaBroker::brokers).orElse(3);
      return owner.getStore(NAMESPACE).getOrComputeIfAbsent("cluster-" + size, k -> EmbeddedKafkaCluster.start(size),
          EmbeddedKafkaCluster.class);
    }
    return owner.getStore(NAMESPACE).getOrComputeIfAbsent(
        EmbeddedKafkaBroker.class, k -> EmbeddedKafkaBroker.builder().build().start(),
        EmbeddedKafkaBroker.class);
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }
}
