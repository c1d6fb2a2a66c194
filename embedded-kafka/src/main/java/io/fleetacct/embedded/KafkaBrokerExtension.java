package io.fleetacct.embedded;

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
    return parameter.getParameter().getType() == EmbeddedKafkaBroker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    boolean dedicated = context.getTestClass()
        .flatMap(c -> AnnotationSupport.findAnnotation(c, WithKafkaBroker.class))
        .map(WithKafkaBroker::dedicated)
        .orElse(false);
    ExtensionContext owner = dedicated ? classContext(context) : context.getRoot();
    // The store closes the broker (it is AutoCloseable) when the owning context ends.
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
