package io.vettid.api;

import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.api.spi.RuleEngine;
import io.vettid.api.spi.RuleEngineProvider;
import io.vettid.api.spi.SuiteDefinition;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The javadoc examples of vettid-api, compiled with its tests (never run): each stands between a
 * line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that class
 * shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  void keyAlgorithm(byte[] message) throws Exception {
    // example: KeyAlgorithm
    KeyAlgorithm rsa = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build().get("RSA-4096");
    KeyPair keys = rsa.generateKeyPair(new SecureRandom());
    KeyId id = rsa.keyId(keys.getPublic());                       // names the key everywhere
    byte[] signature = rsa.sign(keys.getPrivate(), message, new SecureRandom());
    boolean ok = rsa.verify(keys.getPublic(), message, signature);
    // end
  }

  void ruleEngineProvider() {
    // example: RuleEngineProvider
    final class OnlyChat implements RuleEngineProvider {
      public String name() {
        return "only-chat";
      }

      public RuleEngine create() {
        return event -> event.type().value().equals("chat.message")
            ? Decision.handle("only-chat", "chat") : Decision.defaultDeny();
      }
    }
    // registered in META-INF/services, then: VettIdRuntime.embedded(dir, secret).ruleEngineProvider("only-chat")
    // end
  }

  void suiteDefinition() {
    // example: SuiteDefinition
    final class X25519Ed25519Suite implements SuiteDefinition {
      public int id() { return 200; }
      public String name() { return "EXAMPLE-X25519-ED25519-V1"; }
      public String wrapAlgorithm() { return "EXAMPLE-X25519-KEM"; }
      public String signatureAlgorithm() { return "EXAMPLE-Ed25519"; }
    }
    // listed in META-INF/services/io.vettid.api.spi.SuiteDefinition
    // end
  }

  void eventHandlerFactory() {
    // example: EventHandlerFactory
    final class Echo implements EventHandlerFactory {
      public String name() {
        return "echo";
      }

      public Set<EventType> eventTypes() {
        return Set.of(EventType.of("echo.request"));
      }

      public EventHandler create(EventHandlerContext ctx) {
        return event -> {
          ctx.reply(EventType.of("echo.response"), event.payload().deepCopy()); // sealed to the connection
          ctx.finish();                                                        // this eventId is done
        };
      }
    }
    // and a rule: {"id": "echo", "eventType": "echo.request", "action": "handle", "handler": "echo"}
    // end
  }

  void providers(RuleEngineProvider myEngine) {
    // example: Providers
    Providers<KeyAlgorithm> algorithms =
        Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();
    KeyAlgorithm rsa = algorithms.get("RSA-4096");

    // explicit instances (DI containers, tests) win over discovered ones of the same name
    Providers<RuleEngineProvider> engines =
        Providers.builder(RuleEngineProvider.class, RuleEngineProvider::name).add(myEngine).build();
    RuleEngine engine = engines.single().create();
    // end
  }

  void ruleEngine(String trusted) {
    // example: RuleEngine
    RuleEngine engine = event -> event.connectionId().value().equals(trusted)
        ? Decision.handle("trusted", "chat") : Decision.defaultDeny();
    // end
  }

  void decision() {
    // example: Decision
    Decision d = Decision.handle("share-contact-with-friends", "contact-request");
    if (d.allowsProcessing()) {
      String handler = d.handler().orElseThrow();                 // start this handler on the event
    }
    // end
  }

  void internalEvent() {
    // example: InternalEvent
    InternalEvent event = InternalEvent.builder()
        .type(EventType.of("profile.request"))
        .connectionId(ConnectionId.of("7d9a2c40-0b61-4a8e-9d7c-2f1e0c3b5a11"))
        .build();                                // timestamp now, random eventId, empty payload
    byte[] json = InternalEventCodec.encode(event);
    // end
  }
}
