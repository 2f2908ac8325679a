package com.example.vettid.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.profile.Profile;
import io.vettid.profile.SignedProfile;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitations;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.testkit.NatsServerExtension;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A person (a vault built with the SDK) invites the shop to their EventSpace on a real
 * nats-server (operator mode: each with its accounts, one per trust zone; TLS, encrypted store); the shop accepts, takes an
 * order and answers with a sealed receipt; an order for something it does not sell is refused.
 */
class ShopServiceTest {
  static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1; // quick keys for a test; the default is RSA-4096
  static final NatsOperator OP = NatsOperator.create("shop-test");
  static final VaultAccounts PERSON = VaultAccounts.create(OP, "dana1", JetStreamLimits.subscriberDefault());
  static final VaultAccounts SHOP = VaultAccounts.create(OP, "shop1", JetStreamLimits.subscriberDefault());

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest()
      .operatorMode(OP, PERSON, SHOP).build();

  static final PeerConnector CONNECTOR =
      (creds, inbox) -> NATS.connect(creds, NATS.options().inboxPrefix(inbox));

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  @Test
  void aPersonConnectsWithTheShopOrdersAndGetsAReceipt() throws Exception {
    List<JsonNode> receipts = new CopyOnWriteArrayList<>();
    EventHandlerFactory wallet = new EventHandlerFactory() {
      @Override
      public String name() {
        return "receipts";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(ShopService.RECEIPT);
      }

      @Override
      public EventHandler create(EventHandlerContext ctx) {
        return event -> {
          receipts.add(event.payload());
          ctx.finish();
        };
      }
    };
    KeyPair keys = SUITE.signature().generateKeyPair(new SecureRandom());
    Identity me = new Identity(SUITE.signature(), keys, SignedProfile.sign(
        Profile.builder("home", Profile.Owner.of("Dana", SUITE.signature(), keys.getPublic()).ageOver(18).location("Main Street")).build(),
        SUITE.signature(), keys.getPrivate(), new SecureRandom()));
    Connections mine = new Connections();
    try (VettIdRuntime person = VettIdRuntime.connect(PERSON, NATS.options())
            .connections(mine).discoverHandlers(false).handler(wallet).start();
        ShopService shop = ShopService.start(SHOP, NATS.options(), SUITE, CONNECTOR)) {
      person.rules().orElseThrow().put("""
          [{"id": "receipts", "eventType": "order.receipt", "action": "handle", "handler": "receipts"}]""");
      person.watch("dana1", "home");

      // Dana invites the shop (say, by scanning its QR code at the till), the shop accepts, Dana confirms
      Invitations invitations = new Invitations(me, "dana1", PERSON.eventSpace(), SUITE, new BlockList(),
          Clock.systemUTC());
      Invitation invitation = invitations.create("home", false);
      byte[] acceptance = shop.accept(Invitation.parse(invitation.toUri()));
      Invitations.Result r = invitations.accept(acceptance);
      Established atDana = r.established().orElseThrow();
      mine.add(atDana, CONNECTOR);
      ConnectionId customer = shop.complete(r.confirm().orElseThrow());
      assertThat(atDana.peerProfile().owner().firstName()).isEqualTo("Corner Shop");
      assertThat(customer).isNotNull();

      mine.send(atDana.local(), ShopService.ORDER,
          JsonNodeFactory.instance.objectNode().put("item", "coffee").put("quantity", 2));
      mine.send(atDana.local(), ShopService.ORDER,
          JsonNodeFactory.instance.objectNode().put("item", "caviar").put("quantity", 1));

      await(() -> receipts.size() == 1 && shop.runtime().counters().snapshot().quarantinedTotal() == 1,
          "one receipt, one refusal");
      JsonNode receipt = receipts.get(0);
      assertThat(receipt.path("item").asText()).isEqualTo("coffee");
      assertThat(receipt.path("quantity").asInt()).isEqualTo(2);
      assertThat(receipt.path("totalCents").asInt()).isEqualTo(700);
      assertThat(receipt.path("order").asText()).startsWith("A-");
      assertThat(shop.runtime().counters().snapshot().quarantined().get(FailureReason.MALFORMED)).isEqualTo(1);
      assertThat(person.counters().snapshot().quarantinedTotal()).as("nothing refused at Dana's").isZero();
    }
  }
}
