package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.subjects.Subjects;
import io.vettid.profile.IdentityChain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The vault's identity key as it rotates: the current pair, its chain of rotations, when it became
 * current, and the earlier pairs still kept to confirm invitations that name them ({@link
 * #EARLIER_KEPT} after their rotation, then destroyed). Kept in the {@code Vault} bucket under
 * {@value #KEY}, sealed (AES-256-GCM) under {@code HKDF(vaultSecret, "vettid/cli/identity/v1")}
 * and bound to its key name. The pair in {@code vault.sealed} (written at {@code vettid init}
 * under the passphrase) is replaced by the current one at the first start after its own grace
 * ended, when the passphrase is at hand.
 */
final class IdentityKeeper {
  /** The Vault bucket key. */
  static final String KEY = "identity";
  /** What its seal key is derived from the vault secret for. */
  static final String PURPOSE = "vettid/cli/identity/v1";
  /** The longest an identity key serves before the daemon rotates it. */
  static final Duration MAX_AGE = Duration.ofDays(365);
  /** How long a replaced key is kept: an invitation naming it may be accepted for 7 days. */
  static final Duration EARLIER_KEPT = Duration.ofDays(8);

  /**
   * A replaced identity pair and when it is destroyed.
   *
   * @param keys the pair
   * @param until when it is forgotten
   */
  record Earlier(KeyPair keys, Instant until) {}

  /**
   * What is kept.
   *
   * @param current the current pair
   * @param chain the rotations that led to it
   * @param since when it became current
   * @param earlier replaced pairs still kept
   */
  record State(KeyPair current, IdentityChain chain, Instant since, List<Earlier> earlier) {
    State {
      earlier = List.copyOf(earlier);
    }

    /** {@return this state without the earlier pairs whose time ended} */
    State forgetting(Instant now) {
      return new State(current, chain, since, earlier.stream().filter(e -> now.isBefore(e.until())).toList());
    }

    /**
     * {@return the state after a rotation to {@code next}}
     *
     * @param algorithm the identity algorithm
     * @param next the new pair
     * @param now the time
     */
    State rotated(KeyAlgorithm algorithm, KeyPair next, Instant now) throws GeneralSecurityException {
      List<Earlier> kept = new ArrayList<>(forgetting(now).earlier());
      kept.add(new Earlier(current, now.plus(EARLIER_KEPT)));
      return new State(next, chain.rotate(algorithm, current, algorithm, next, now, new SecureRandom()), now, kept);
    }
  }

  private final byte[] sealKey;
  private final KeyAlgorithm algorithm;

  IdentityKeeper(byte[] vaultSecret, KeyAlgorithm algorithm) {
    this.sealKey = SecretBox.derive(vaultSecret, PURPOSE, 32);
    this.algorithm = algorithm;
  }

  /**
   * The kept state, or a first one for the pair of {@code vault.sealed} (written at once, so its
   * age counts from now).
   *
   * @param nats a connection of the vault's internal account
   * @param sealed the identity pair {@code vault.sealed} holds
   */
  State load(Connection nats, KeyPair sealed) throws IOException, JetStreamApiException, GeneralSecurityException {
    KeyValueEntry e = nats.keyValue(Subjects.name("Vault")).get(KEY);
    if (e == null || e.getValue() == null) {
      State first = new State(sealed, IdentityChain.EMPTY, Instant.now(), List.of());
      save(nats, first);
      return first;
    }
    byte[] plain = SecretBox.open(sealKey, KEY.getBytes(StandardCharsets.US_ASCII), e.getValue());
    try {
      JsonNode n = VaultHome.JSON.readTree(plain);
      if (n.path("v").asInt() != 1) {
        throw new GeneralSecurityException("the kept identity is not of version 1");
      }
      List<Earlier> earlier = new ArrayList<>();
      for (JsonNode x : n.path("earlier")) {
        earlier.add(new Earlier(pair(x), Instant.parse(x.path("until").asText())));
      }
      return new State(pair(n.path("current")),
          IdentityChain.parse(VaultHome.JSON.writeValueAsBytes(n.path("chain"))),
          Instant.parse(n.path("since").asText()), earlier);
    } catch (io.vettid.profile.ProfileException | java.time.format.DateTimeParseException | IllegalArgumentException x) {
      throw new GeneralSecurityException("the kept identity does not read: " + x.getMessage(), x);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** Writes the state, sealed, before anyone is told of it. */
  void save(Connection nats, State s) throws IOException, JetStreamApiException {
    ObjectNode n = VaultHome.JSON.createObjectNode().put("v", 1).put("since", s.since().toString());
    put(n.putObject("current"), s.current());
    n.set("chain", VaultHome.JSON.readTree(s.chain().bytes()));
    ArrayNode earlier = n.putArray("earlier");
    s.earlier().forEach(x -> put(earlier.addObject(), x.keys()).put("until", x.until().toString()));
    byte[] plain = VaultHome.JSON.writeValueAsBytes(n);
    try {
      nats.keyValue(Subjects.name("Vault")).put(KEY,
          SecretBox.seal(sealKey, KEY.getBytes(StandardCharsets.US_ASCII), plain, new SecureRandom()));
    } finally {
      Arrays.fill(plain, (byte) 0);
      n.removeAll();
    }
  }

  /**
   * Writes a key pair as {@code {"public", "private"}}, each its encoding in base64: the one form of
   * an identity pair, here and in {@code vault.sealed}.
   *
   * @param n the object to write into
   * @param k the pair
   * @return {@code n}
   */
  static ObjectNode put(ObjectNode n, KeyPair k) {
    Base64.Encoder b = Base64.getEncoder();
    return n.put("public", b.encodeToString(k.getPublic().getEncoded()))
        .put("private", b.encodeToString(k.getPrivate().getEncoded()));
  }

  private KeyPair pair(JsonNode n) throws GeneralSecurityException {
    return pair(n, algorithm);
  }

  /**
   * Reads a key pair {@link #put} wrote.
   *
   * @param n the object
   * @param algorithm the pair's algorithm
   * @return the pair
   * @throws GeneralSecurityException if a key does not decode
   */
  static KeyPair pair(JsonNode n, KeyAlgorithm algorithm) throws GeneralSecurityException {
    Base64.Decoder d = Base64.getDecoder();
    return new KeyPair(algorithm.decodePublicKey(d.decode(n.path("public").asText())),
        algorithm.decodePrivateKey(d.decode(n.path("private").asText())));
  }
}
