package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Subscriber registration on a real server in operator mode: the new account works at once. */
class ConciergeTest {
  static final NatsOperator OP = NatsOperator.create("concierge-test");

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().operatorMode(OP).build();

  @Test
  void aTokenRegistersOneSubscriberWhoseOwnerCanLayOutItsVault() throws Exception {
    Connection sys = NATS.connect(OP.systemUser(), NATS.options());
    Concierge concierge = new Concierge(OP, sys);
    String token = concierge.issueToken(Duration.ofMinutes(10));
    assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(concierge.outstandingTokens()).isEqualTo(1);

    Concierge.Registration r = concierge.register(token, JetStreamLimits.subscriberDefault());
    assertThat(r.guid()).matches("[0-9a-f]{16}");
    assertThat(concierge.outstandingTokens()).isZero();

    Connection owner = NATS.connect(r.owner(), NATS.options());
    Connection watcher = NATS.connect(r.accounts().issueWatcher("watcher"), NATS.options());
    JetStreamLayout layout = JetStreamLayout.builder().build();
    assertThat(layout.ensureVault(owner)).contains("DataVault", "Quarantine", "Vault");
    assertThat(layout.ensureEventSpace(watcher, r.guid(), "home")).contains(r.guid());
    assertThat(r.accounts().guid()).isEqualTo(r.guid());

    assertThatThrownBy(() -> concierge.register(token, JetStreamLimits.subscriberDefault()))
        .isInstanceOf(Concierge.RegistrationException.class).hasMessageContaining("already used")
        .hasMessageNotContaining(token);
    assertThatThrownBy(() -> concierge.register("forged-" + token.substring(7), JetStreamLimits.subscriberDefault()))
        .isInstanceOf(Concierge.RegistrationException.class);
  }

  @Test
  void expiredAndRevokedTokensAreRefused() throws Exception {
    io.vettid.testkit.ShiftedClock clock = new io.vettid.testkit.ShiftedClock();
    Concierge concierge = new Concierge(OP, NATS.connect(OP.systemUser(), NATS.options()), clock);
    String expiring = concierge.issueToken(Duration.ofMinutes(1));
    String revoked = concierge.issueToken(Duration.ofMinutes(10));
    assertThat(concierge.revokeToken(revoked)).isTrue();
    assertThat(concierge.revokeToken(revoked)).isFalse();
    clock.advance(Duration.ofMinutes(2));

    assertThatThrownBy(() -> concierge.register(expiring, JetStreamLimits.subscriberDefault()))
        .isInstanceOf(Concierge.RegistrationException.class).hasMessageContaining("expired");
    assertThatThrownBy(() -> concierge.register(revoked, JetStreamLimits.subscriberDefault()))
        .isInstanceOf(Concierge.RegistrationException.class);
    assertThatThrownBy(() -> concierge.issueToken(Duration.ofDays(8))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> concierge.issueToken(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
