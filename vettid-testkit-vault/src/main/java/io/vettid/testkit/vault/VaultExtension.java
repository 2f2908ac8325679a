package io.vettid.testkit.vault;

import io.vettid.testkit.NatsServerExtension;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link VaultTest}: before each test a server and a runtime, after it both
 * stopped (the runtime first) and the server's directory deleted, whether the test passed or not.
 */
public final class VaultExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(VaultExtension.class);

  /** Creates the extension (JUnit does, through {@link VaultTest}). */
  public VaultExtension() {}

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    NatsServerExtension nats = NatsServerExtension.builder().tls().encryptedAtRest().build();
    nats.beforeEach(context);
    try {
      context.getStore(NS).put(TestVault.class, TestVault.start(nats));
    } catch (Exception | Error e) {
      nats.afterEach(context);
      throw e;
    }
    context.getStore(NS).put(NatsServerExtension.class, nats);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestVault vault = context.getStore(NS).remove(TestVault.class, TestVault.class);
    NatsServerExtension nats = context.getStore(NS).remove(NatsServerExtension.class, NatsServerExtension.class);
    try {
      if (vault != null) {
        vault.close();
      }
    } finally {
      if (nats != null) {
        nats.afterEach(context);
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestVault.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    TestVault vault = context.getStore(NS).get(TestVault.class, TestVault.class);
    if (vault == null) {
      throw new org.junit.jupiter.api.extension.ParameterResolutionException(
          "a TestVault is given to test methods only (not to constructors or @BeforeAll)");
    }
    return vault;
  }
}
