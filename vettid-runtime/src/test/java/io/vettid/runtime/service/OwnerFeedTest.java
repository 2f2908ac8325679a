package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The owner's feed on a real nats-server: handled events are kept sealed, found by type,
 * connection, eventId and time, and erased or purged for real; an entry moved to another
 * connection's subject, or sealed under another vault's secret, does not open and is not shown.
 */
class OwnerFeedTest {
  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().build();

  static final byte[] SECRET = "a vault secret of thirty-two b!!".getBytes(StandardCharsets.US_ASCII);
  static final ConnectionId BOB = ConnectionId.of("conn-bob");
  static final ConnectionId CAROL = ConnectionId.of("conn-carol");
  static Connection nc;
  static JetStreamManagement jsm;
  static OwnerFeed feed;

  @BeforeAll
  static void start() throws Exception {
    nc = Nats.connect(NATS.options().build());
    jsm = nc.jetStreamManagement();
    JetStreamLayout.builder().build().ensureVault(nc);
    feed = OwnerFeed.open(nc, SECRET);
  }

  @AfterAll
  static void stop() throws Exception {
    nc.close();
  }

  static InternalEvent event(ConnectionId c, String type, String text, Instant at) {
    return InternalEvent.builder().type(EventType.of(type)).connectionId(c).timestamp(at)
        .payload(JsonNodeFactory.instance.objectNode().put("text", text)).build();
  }

  static void settle(long messages) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (jsm.getStreamInfo(Subjects.FEED_STREAM).getStreamState().getMsgCount() < messages
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  @Test
  void keptSealedFoundByTypeConnectionAndTimeAndErasedForReal() throws Exception {
    feed.purge(null);
    Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
    InternalEvent hello = event(BOB, "chat.message", "hello from bob", t0);
    InternalEvent pay = event(BOB, "payment.request", "pay me", t0.plusSeconds(60));
    InternalEvent hi = event(CAROL, "chat.message", "hi from carol", t0.plusSeconds(120));
    EventId longId = EventId.of("x".repeat(100));
    InternalEvent longOne = InternalEvent.builder().type(EventType.of("chat.message")).connectionId(CAROL)
        .eventId(longId).timestamp(t0.plusSeconds(180)).payload(JsonNodeFactory.instance.objectNode()).build();
    for (InternalEvent e : List.of(hello, pay, hi, longOne)) {
      feed.add(e);
    }
    settle(4);

    var state = jsm.getStreamInfo(Subjects.FEED_STREAM).getStreamState();
    for (long seq = state.getFirstSequence(); seq <= state.getLastSequence(); seq++) {
      String raw = new String(jsm.getMessage(Subjects.FEED_STREAM, seq).getData(), StandardCharsets.ISO_8859_1);
      assertThat(raw).doesNotContain("hello", "pay me", "carol", "chat.message");
    }
    assertThat(feed.search(OwnerFeed.Query.all())).extracting(OwnerFeed.Item::event)
        .containsExactly(hello, pay, hi, longOne);
    assertThat(feed.search(OwnerFeed.Query.all().type("chat.message").connection(BOB)))
        .extracting(OwnerFeed.Item::event).containsExactly(hello);
    assertThat(feed.search(OwnerFeed.Query.all().between(t0.plusSeconds(30), t0.plusSeconds(120))))
        .extracting(OwnerFeed.Item::event).containsExactly(pay);
    assertThat(feed.search(OwnerFeed.Query.all().limit(2))).extracting(OwnerFeed.Item::event)
        .containsExactly(hi, longOne);
    assertThat(feed.search(OwnerFeed.Query.all().eventId(hi.eventId()))).extracting(OwnerFeed.Item::event)
        .containsExactly(hi);
    assertThat(feed.search(OwnerFeed.Query.all().eventId(longId))).extracting(OwnerFeed.Item::event)
        .containsExactly(longOne);

    long seq = feed.search(OwnerFeed.Query.all().eventId(hello.eventId())).get(0).sequence();
    assertThat(feed.delete(null, hello.eventId())).isEqualTo(1);
    assertThatThrownBy(() -> jsm.getMessage(Subjects.FEED_STREAM, seq)).isInstanceOf(JetStreamApiException.class);
    assertThat(feed.search(OwnerFeed.Query.all())).extracting(OwnerFeed.Item::event).containsExactly(pay, hi, longOne);
    assertThat(feed.purge(CAROL)).isEqualTo(2);
    assertThat(feed.search(OwnerFeed.Query.all())).extracting(OwnerFeed.Item::event).containsExactly(pay);
  }

  @Test
  void anEntryMovedOrSealedByAnotherVaultIsNotShown() throws Exception {
    feed.purge(null);
    InternalEvent e = event(BOB, "chat.message", "mine", Instant.now());
    feed.add(e);
    settle(1);
    long seq = jsm.getStreamInfo(Subjects.FEED_STREAM).getStreamState().getLastSequence();
    byte[] box = jsm.getMessage(Subjects.FEED_STREAM, seq).getData();
    // the same sealed bytes on carol's subject: the subject is bound in, so it does not open
    nc.jetStream().publish(OwnerFeed.subject(CAROL, e.eventId()), box);
    OwnerFeed other = OwnerFeed.open(nc, "another vault's secret, 32 bytes".getBytes(StandardCharsets.US_ASCII));
    other.add(event(CAROL, "chat.message", "not yours", Instant.now()));
    settle(3);
    assertThat(feed.search(OwnerFeed.Query.all())).extracting(OwnerFeed.Item::event).containsExactly(e);
    assertThat(feed.search(OwnerFeed.Query.all().connection(CAROL))).isEmpty();
  }

  @Test
  void aQueryOutsideItsLimitsIsRefused() {
    assertThatThrownBy(() -> OwnerFeed.Query.all().limit(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OwnerFeed.Query.all().type("Not A Type")).isInstanceOf(IllegalArgumentException.class);
  }
}
