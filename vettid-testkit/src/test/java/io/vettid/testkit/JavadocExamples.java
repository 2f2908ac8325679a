package io.vettid.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.RuleEngine;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The javadoc examples of vettid-testkit, compiled with its tests (never run: surefire runs
 * classes named {@code *Test}, and these are nested in one that is not): each stands between a
 * line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that class
 * shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  static final class ClusterExample {
    // example: NatsClusterExtension
    static final NatsOperator OP = NatsOperator.create("test");
    static final NatsAccount ACCOUNT = OP.createAccount("subscriber-a1", JetStreamLimits.subscriberDefault());
    @RegisterExtension
    static final NatsClusterExtension CLUSTER = NatsClusterExtension.builder(OP, ACCOUNT).build();

    @Test
    void keepsQuorumWithANodeDown() throws Exception {
      CLUSTER.node(0).stop();      // the other two keep quorum
    }
    // end
  }

  void shiftedClock() {
    // example: ShiftedClock
    ShiftedClock clock = new ShiftedClock();
    NatsOperator operator = NatsOperator.create("test", clock);   // anything that takes a Clock
    clock.advance(Duration.ofMinutes(2));
    // end
  }

  static final class ServerExample {
    // example: NatsServerExtension
    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder()
        .encryptedAtRest()                                   // random store key
        .configure(c -> c.serverName("vault-a"))             // any NatsServerConfig setting
        .build();

    @Test
    void survivesRestart() throws Exception {
      try (Connection nc = NATS.connect()) {
        nc.publish("Example.Subject", new byte[] {1});
      }
      NATS.server().restart();
    }
    // end
  }

  // example: NatsTest
  @NatsTest
  static final class MyHandlerTest {
    @Test
    void publishesAndConsumes(Connection nc) throws Exception {
      nc.publish("Example.Subject", new byte[] {1});
    }
  }
  // end

  void refusals(NatsServerExtension NATS, io.vettid.nats.auth.UserCredentials user) throws Exception {
    // example: Refusals
    Refusals refusals = new Refusals();
    Connection nc = NATS.connect(user, NATS.options().errorListener(refusals));
    nc.publish("subscriber.g1.home.queue.other", new byte[] {1});
    refusals.expect("publish", "subscriber.g1.home.queue.other");
    // end
  }

  /** Stands for a plugin author's engine in the example below. */
  static final class MyRuleEngine implements RuleEngine {
    MyRuleEngine(String rules) {}

    @Override
    public Decision evaluate(InternalEvent event) {
      return Decision.defaultDeny();
    }
  }

  static final String myRules = "[]";

  // example: RuleEngineContract
  class MyRuleEngineContractTest extends RuleEngineContract {
    @Override
    protected RuleEngine engine() {
      return new MyRuleEngine(myRules);       // rules that do not match "contract.unmatched.*"
    }
  }
  // end

  /** A plug-in's algorithm, as the example names it (compiled, not run). */
  abstract static class MyAlgorithmBase implements KeyAlgorithm {}

  static final class MyAlgorithm extends MyAlgorithmBase {
    private final KeyAlgorithm real = new io.vettid.crypto.pq.MlDsa65();

    @Override
    public String name() {
      return "MY-ALGORITHM";
    }

    @Override
    public String keyIdTag() {
      return "my";
    }

    @Override
    public java.util.Set<Capability> capabilities() {
      return real.capabilities();
    }

    @Override
    public java.security.KeyPair generateKeyPair(java.security.SecureRandom random)
        throws java.security.GeneralSecurityException {
      return real.generateKeyPair(random);
    }

    @Override
    public java.security.PublicKey decodePublicKey(byte[] encoded) throws java.security.GeneralSecurityException {
      return real.decodePublicKey(encoded);
    }

    @Override
    public java.security.PrivateKey decodePrivateKey(byte[] encoded) throws java.security.GeneralSecurityException {
      return real.decodePrivateKey(encoded);
    }
  }

  // example: KeyAlgorithmContract
  class MyAlgorithmContractTest extends KeyAlgorithmContract {
    @Override
    protected KeyAlgorithm algorithm() {
      return new MyAlgorithm();
    }
  }
  // end

  static final class PollFactory implements io.vettid.api.spi.EventHandlerFactory {
    @Override
    public String name() {
      return "poll";
    }

    @Override
    public java.util.Set<io.vettid.api.EventType> eventTypes() {
      return java.util.Set.of(io.vettid.api.EventType.of("poll.open"));
    }

    @Override
    public io.vettid.api.spi.EventHandler create(io.vettid.api.spi.EventHandlerContext ctx) {
      return e -> ctx.finish();
    }
  }

  void eventHandlerTestKit(InternalEvent event) throws Exception {
    // example: EventHandlerTestKit
    EventHandlerTestKit kit = EventHandlerTestKit.of(new PollFactory());
    EventHandlerTestKit.Outcome o = kit.deliver(event);              // one onEvent, as the runtime runs it
    assertTrue(o.handled());
    assertEquals(EventType.of("poll.result"), kit.replies().get(0).type());
    kit.restart();                                                   // handlers gone, saved state kept
    // end
  }
}
