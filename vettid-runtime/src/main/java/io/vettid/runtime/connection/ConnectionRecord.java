package io.vettid.runtime.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.keyring.KeyRing;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.ServerAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's record in the {@link ConnectionStore}, as JSON (the store seals it): ids and
 * subjects, the suite, this side's signing pair, its wrapping {@link KeyRing} (sealed once more
 * on its own, for its purpose {@code connection/<local>/wrapping}), the peer's keys and identity,
 * the NATS user the peer issued and where its server is. Keys are base64 of their standard
 * encodings (SPKI, PKCS#8).
 */
final class ConnectionRecord {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionRecord.class);
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();

  private ConnectionRecord() {}

  /**
   * A record read back.
   *
   * @param keys the connection's keys and names
   * @param peerUser the user issued for the peer, or null
   * @param creds the user the peer issued
   * @param inbox that user's inbox prefix
   * @param server the peer's server, or null
   * @param signing the signing-rotation state (this side's announced key, the peer's previous one)
   * @param ownIdentity this side's identity keyID as the peer pins it, or null
   */
  record Restored(Link.Keys keys, String peerUser, UserCredentials creds, String inbox, ServerAddress server,
      Link.SigningState signing, KeyId ownIdentity) {}

  static ObjectNode encode(Link l, ConnectionStore store) throws GeneralSecurityException {
    Link.Route route = l.route;
    Link.Held h = l.held();
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("local", l.local.value()).put("remote", l.remote.value()).put("deposit", l.depositSubject)
        .put("inbox", route.inbox()).put("suite", l.suite.name())
        .put("signingPrivate", B64.encodeToString(h.signing.key().getEncoded()))
        .put("signingPublic", B64.encodeToString(h.signingPublic.key().getEncoded()))
        .put("wrapping", B64.encodeToString(store.sealRing(l.local, h.wrapping)))
        .put("peerSigning", B64.encodeToString(h.peerSigning.key().getEncoded()))
        .put("peerWrapping", B64.encodeToString(h.peerWrapping.key().getEncoded()))
        .put("peerIdentity", l.peerIdentity == null ? "" : l.peerIdentity.value())
        .put("ownIdentity", l.ownIdentity == null ? "" : l.ownIdentity.value())
        .put("peerUser", l.peerUser == null ? "" : l.peerUser)
        .put("credsJwt", route.creds().jwt())
        .put("ownDeposit", l.ownDeposit == null ? "" : l.ownDeposit)
        .put("server", route.server() == null ? "" : route.server().hostPort())
        .put("serverPin", route.server() == null ? "" : route.server().caPin());
    Link.Signing next = l.next;
    if (next != null) {
      r.put("nextSigningPrivate", B64.encodeToString(next.key().key().getEncoded()))
          .put("nextSigningPublic", B64.encodeToString(next.pub().key().getEncoded()));
    }
    PublicKeyEntry previous = l.peerSigningPrevious;
    java.time.Instant until = l.peerSigningPreviousUntil;
    if (previous != null && until != null) {
      r.put("peerSigningPrevious", B64.encodeToString(previous.key().getEncoded()))
          .put("peerSigningPreviousUntil", until.toString())
          .put("peerSigningPreviousAlgorithm", previous.algorithm().name()); // another suite's after a migration
    }
    KeyRing previousRing = l.previousWrapping;
    java.time.Instant previousUntil = l.previousWrappingUntil;
    if (previousRing != null && previousUntil != null) {
      r.put("previousWrapping", B64.encodeToString(store.sealRing(l.local, previousRing)))
          .put("previousWrappingAlgorithm", previousRing.algorithm().name())
          .put("previousWrappingUntil", previousUntil.toString());
    }
    Link.Migration m = l.migration;
    if (m != null) {
      ObjectNode o = m.mine().toJson().put("started", m.started());
      r.set("migration", o);
      if (m.peerSigning() != null) {
        o.put("peerSigning", B64.encodeToString(m.peerSigning().key().getEncoded()))
            .put("peerWrapping", B64.encodeToString(m.peerWrapping().key().getEncoded()));
      }
    }
    char[] seed = route.creds().seed();
    r.put("credsSeed", new String(seed));
    Arrays.fill(seed, '\0');
    return r;
  }

  static Restored decode(JsonNode r, ConnectionStore store, Clock clock, SecureRandom random)
      throws GeneralSecurityException {
    Suite suite = Suites.byName(r.path("suite").asText())
        .orElseThrow(() -> new GeneralSecurityException("unknown suite in a stored connection"));
    ConnectionId local = ConnectionId.of(r.path("local").asText());
    KeyPair signing = new KeyPair(suite.signature().decodePublicKey(bytes(r, "signingPublic")),
        suite.signature().decodePrivateKey(bytes(r, "signingPrivate")));
    PublicKeyEntry signingPublic = PublicKeyEntry.of(suite.signature(), signing.getPublic());
    KeyRing wrapping = r.hasNonNull("wrapping")
        ? store.openRing(local, bytes(r, "wrapping"), suite.wrap(), clock, random)
        : earlierWrapping(r, local, suite, clock, random);
    ServerAddress server = r.path("server").asText().isEmpty() ? null
        : ServerAddress.parse(r.path("server").asText(), r.path("serverPin").asText());
    Link.Keys keys = new Link.Keys(local, ConnectionId.of(r.path("remote").asText()), r.path("deposit").asText(), suite,
        new PrivateKeyEntry(signingPublic.keyId(), suite.signature(), signing.getPrivate()), signingPublic, wrapping,
        PublicKeyEntry.of(suite.signature(), suite.signature().decodePublicKey(bytes(r, "peerSigning"))),
        PublicKeyEntry.of(suite.wrap(), suite.wrap().decodePublicKey(bytes(r, "peerWrapping"))),
        optional(r, "peerIdentity") == null ? null : KeyId.of(r.path("peerIdentity").asText()),
        optional(r, "ownDeposit"));
    UserCredentials creds = UserCredentials.of(r.path("credsJwt").asText(), r.path("credsSeed").asText().toCharArray());
    Link.Signing next = null;
    if (r.hasNonNull("nextSigningPublic")) {
      PublicKeyEntry pub = PublicKeyEntry.of(suite.signature(),
          suite.signature().decodePublicKey(bytes(r, "nextSigningPublic")));
      next = new Link.Signing(new PrivateKeyEntry(pub.keyId(), suite.signature(),
          suite.signature().decodePrivateKey(bytes(r, "nextSigningPrivate"))), pub);
    }
    PublicKeyEntry previous = null;
    java.time.Instant until = null;
    if (r.hasNonNull("peerSigningPrevious")) {
      io.vettid.api.spi.KeyAlgorithm a = r.hasNonNull("peerSigningPreviousAlgorithm")
          ? algorithm(r.path("peerSigningPreviousAlgorithm").asText()) : suite.signature();
      previous = PublicKeyEntry.of(a, a.decodePublicKey(bytes(r, "peerSigningPrevious")));
      until = time(r, "peerSigningPreviousUntil");
    }
    KeyRing previousRing = null;
    java.time.Instant previousUntil = null;
    if (r.hasNonNull("previousWrapping")) {
      previousRing = store.openRing(local, bytes(r, "previousWrapping"),
          algorithm(r.path("previousWrappingAlgorithm").asText()), clock, random);
      previousUntil = time(r, "previousWrappingUntil");
    }
    Link.Migration migration = null;
    JsonNode m = r.get("migration");
    if (m != null && m.isObject()) {
      ConnectionKeys mine = ConnectionKeys.fromJson(m);
      Suite to = mine.suite();
      migration = new Link.Migration(m.path("started").asBoolean(), mine,
          m.hasNonNull("peerSigning")
              ? PublicKeyEntry.of(to.signature(), to.signature().decodePublicKey(bytes(m, "peerSigning"))) : null,
          m.hasNonNull("peerWrapping")
              ? PublicKeyEntry.of(to.wrap(), to.wrap().decodePublicKey(bytes(m, "peerWrapping"))) : null);
    }
    return new Restored(keys, optional(r, "peerUser"), creds, r.path("inbox").asText(), server,
        new Link.SigningState(next, previous, until, previousRing, previousUntil, migration),
        optional(r, "ownIdentity") == null ? null : KeyId.of(r.path("ownIdentity").asText()));
  }

  /** A key algorithm of a known suite, by name. */
  private static io.vettid.api.spi.KeyAlgorithm algorithm(String name) throws GeneralSecurityException {
    return Suites.algorithm(name)
        .orElseThrow(() -> new GeneralSecurityException("unknown key algorithm in a stored connection"));
  }

  private static java.time.Instant time(JsonNode r, String field) throws GeneralSecurityException {
    try {
      return java.time.Instant.parse(r.path(field).asText());
    } catch (java.time.format.DateTimeParseException e) {
      throw new GeneralSecurityException("a stored connection's " + field + " is not a time");
    }
  }

  /**
   * The wrapping key of a record written before connections kept a ring: its current pair becomes
   * the ring's primary; previous keys still in grace are not carried over (a late event sealed to
   * one is quarantined as an unknown keyID, kept, not lost).
   */
  private static KeyRing earlierWrapping(JsonNode r, ConnectionId local, Suite suite, Clock clock,
      SecureRandom random) throws GeneralSecurityException {
    KeyPair pair = new KeyPair(suite.wrap().decodePublicKey(bytes(r, "wrappingPublic")),
        suite.wrap().decodePrivateKey(bytes(r, "wrappingPrivate")));
    int dropped = r.path("previousWrapping").size();
    if (dropped > 0) {
      LOG.warn("connection {}: {} previous wrapping key(s) of an earlier record not carried over", local, dropped);
    }
    return KeyRing.of(suite.wrap(), pair, Connections.WRAPPING_POLICY, clock, random);
  }

  private static byte[] bytes(JsonNode r, String field) throws GeneralSecurityException {
    try {
      return UNB64.decode(r.path(field).asText());
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("a stored connection's " + field + " is not base64");
    }
  }

  private static String optional(JsonNode r, String field) {
    String v = r.path(field).asText();
    return v.isEmpty() ? null : v;
  }
}
