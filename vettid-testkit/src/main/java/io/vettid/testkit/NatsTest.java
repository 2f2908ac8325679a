package io.vettid.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against one real {@code nats-server} with JetStream, started
 * before the first test on free loopback ports in a temporary directory and stopped (directory
 * deleted) after the last. Test methods and constructors may declare parameters of type {@link
 * io.vettid.nats.server.NatsServer} and {@link io.nats.client.Connection} (a fresh connection,
 * closed after the test).
 *
 * <pre>{@code
 * @NatsTest
 * static final class MyHandlerTest {
 *   @Test
 *   void publishesAndConsumes(Connection nc) throws Exception {
 *     nc.publish("Example.Subject", new byte[] {1});
 *   }
 * }
 * }</pre>
 *
 * <p>For another configuration (encryption at rest, TLS, operator mode) register {@link
 * NatsServerExtension} with {@code @RegisterExtension} instead.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(NatsServerExtension.class)
public @interface NatsTest {}
