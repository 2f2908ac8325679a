package com.example.vettid.shop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.profile.Profile;
import io.vettid.profile.SignedProfile;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.HandshakeException;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitee;
import io.vettid.runtime.connection.PeerConnector;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shop that a person connects with: the person invites it to their EventSpace, the shop accepts
 * (its own keys for the connection, its own NATS user on the person's server), and from then on
 * the person sends {@code order.request} ({@code {"item": "coffee", "quantity": 2}}) to the shop's
 * EventSpace and gets {@code order.receipt} ({@code {"order", "item", "quantity", "totalCents"}})
 * back, sealed to their connection key. An order for something the shop does not sell is refused
 * and kept in the shop's quarantine with its reason; nothing else is touched.
 *
 * <pre>{@code
 * try (ShopService shop = ShopService.start(accounts, serverOptions, suite, connector)) {
 *   byte[] acceptance = shop.accept(Invitation.parse(uri));     // send it to the person
 *   ConnectionId customer = shop.complete(confirmation);          // from the person
 * }
 * }</pre>
 *
 * <p>The shop is a vault of its own: its rules handle {@code order.request} with the {@code orders}
 * handler and deny everything else. In this sample its connections live in memory; a real service
 * keeps them sealed with {@code Connections.persistTo(new ConnectionStore(nc, vaultSecret), connector)}.
 */
public final class ShopService implements AutoCloseable {
  /** What a customer sends. */
  public static final EventType ORDER = EventType.of("order.request");
  /** What the shop answers. */
  public static final EventType RECEIPT = EventType.of("order.receipt");
  /** The shop's EventSpace. */
  public static final String EVENTSPACE = "shop";
  private static final Map<String, Integer> PRICES_CENTS = Map.of("coffee", 350, "croissant", 240, "tea", 300);

  private final VettIdRuntime runtime;
  private final Connections connections;
  private final Identity identity;
  private final NatsAccount account;
  private final String guid;
  private final Suite suite;
  private final BlockList blocks = new BlockList();
  private volatile Invitee pending;

  private ShopService(VettIdRuntime runtime, Connections connections, Identity identity, NatsAccount account,
      String guid, Suite suite) {
    this.runtime = runtime;
    this.connections = connections;
    this.identity = identity;
    this.account = account;
    this.guid = guid;
    this.suite = suite;
  }

  /**
   * Starts the shop.
   *
   * @param accounts the shop's NATS accounts (its EventSpace account issues the users customers
   *     deposit with)
   * @param server options with the server's URL and TLS context
   * @param suite the connection suite (the customers' policy; RSA-4096 by default)
   * @param connector opens NATS connections to customers' servers
   * @return the running shop
   * @throws Exception if NATS or key generation fails
   */
  public static ShopService start(VaultAccounts accounts, Options.Builder server, Suite suite,
      PeerConnector connector) throws Exception {
    Objects.requireNonNull(connector, "connector");
    String guid = accounts.guid();
    NatsAccount account = accounts.eventSpace();
    Connections connections = new Connections();
    VettIdRuntime runtime = VettIdRuntime.connect(accounts, server).connections(connections)
        .discoverHandlers(false).handler(new Orders()).start();
    runtime.rules().orElseThrow().put("""
        [{"id": "orders", "eventType": "order.request", "action": "handle", "handler": "orders"},
         {"id": "sessions", "eventType": "session.reset", "action": "handle", "handler": "session-reset"}]""");
    KeyPair keys = suite.signature().generateKeyPair(new SecureRandom());
    Profile profile = Profile.builder(EVENTSPACE,
            Profile.Owner.of("Corner Shop", suite.signature(), keys.getPublic()).ageOver(18).location("Main Street"))
        .eventType(ORDER).build();
    Identity identity = new Identity(suite.signature(), keys,
        SignedProfile.sign(profile, suite.signature(), keys.getPrivate(), new SecureRandom()));
    runtime.publishProfile(identity.profile());
    runtime.watch(guid, EVENTSPACE);
    ShopService shop = new ShopService(runtime, connections, identity, account, guid, suite);
    shop.connector = connector;
    return shop;
  }

  private volatile PeerConnector connector;

  /**
   * Accepts a person's invitation.
   *
   * @param invitation the invitation they shared
   * @return the acceptance to send back to them
   * @throws HandshakeException if the invitation expired or its inviter is blocked
   * @throws java.security.GeneralSecurityException if keys cannot be generated
   */
  public byte[] accept(Invitation invitation) throws HandshakeException, java.security.GeneralSecurityException {
    Invitee invitee = Invitee.accept(invitation, identity, guid, EVENTSPACE, account, suite, Clock.systemUTC(), blocks);
    pending = invitee;
    return invitee.message();
  }

  /**
   * Completes the connection with the person's confirmation.
   *
   * @param confirmation their confirmation
   * @return the connection (the customer deposits orders under it)
   * @throws Exception if the confirmation is refused or their server cannot be reached
   */
  public ConnectionId complete(byte[] confirmation) throws Exception {
    Invitee invitee = pending;
    if (invitee == null) {
      throw new IllegalStateException("accept an invitation first");
    }
    Established e = invitee.complete(confirmation);
    connections.add(e, connector);
    pending = null;
    return e.local();
  }

  /** {@return the shop's runtime (counters, quarantine)} */
  public VettIdRuntime runtime() {
    return runtime;
  }

  @Override
  public void close() {
    runtime.close();
  }

  /** Prices an order and answers with a receipt. */
  static final class Orders implements EventHandlerFactory {
    private static final AtomicLong NEXT = new AtomicLong(1000);

    @Override
    public String name() {
      return "orders";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(ORDER);
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      return event -> {
        String item = event.payload().path("item").asText("");
        int quantity = event.payload().path("quantity").asInt(0);
        Integer price = PRICES_CENTS.get(item);
        if (price == null || quantity < 1 || quantity > 100) {
          throw new VettidException(FailureReason.MALFORMED, "an order names an item the shop sells and 1-100 of it");
        }
        ObjectNode receipt = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            .put("order", "A-" + NEXT.incrementAndGet()).put("item", item).put("quantity", quantity)
            .put("totalCents", price * quantity);
        ctx.reply(RECEIPT, receipt);
        ctx.finish();
      };
    }
  }
}
