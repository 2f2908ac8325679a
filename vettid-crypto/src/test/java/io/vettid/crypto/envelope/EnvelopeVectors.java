package io.vettid.crypto.envelope;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Writes {@code docs/vectors/envelope-v1.json}: for each suite, fixed keys, a session of three
 * sealed events that must open in order to the given plaintexts, and altered envelopes that must
 * fail with the given reason. Sealing is randomized (session keys, OAEP, ML-KEM, signatures), so
 * the vectors are in the opening direction, like Wycheproof's decryption tests.
 *
 * <p>Run by hand after a format change: {@code mvn -pl vettid-crypto test-compile exec:java} is not
 * set up; run the main method from an IDE or with {@code java -cp} on the test class path. {@link
 * EnvelopeVectorsTest} checks the committed file.
 */
public final class EnvelopeVectors {
  static final String DEST = "subscriber.3f7a9c.home.queue.7d9a2c40";
  static final Instant AT = Instant.parse("2026-11-25T00:00:00Z");

  private EnvelopeVectors() {}

  /**
   * Writes the file.
   *
   * @param args the repository root (default the working directory)
   * @throws Exception if anything fails
   */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode file = mapper.createObjectNode();
    file.put("description", "VettID envelope v1 opening vectors (docs/PROTOCOL.md section 3). Open 'events' in order"
        + " with one opener at time 'openAt'; each 'invalid' case uses a fresh opener that first opens the first"
        + " 'afterValid' events, then must refuse 'envelope' (at 'destination' if given) with 'reason'.");
    file.put("version", 1);
    ArrayNode vectors = file.putArray("vectors");
    HexFormat hex = HexFormat.of();
    SecureRandom random = new SecureRandom();
    Clock clock = Clock.fixed(AT, ZoneOffset.UTC);
    for (Suite suite : Suites.all()) {
      KeyPair sender = suite.signature().generateKeyPair(random);
      KeyPair recipient = suite.wrap().generateKeyPair(random);
      PublicKeyEntry senderPublic = PublicKeyEntry.of(suite.signature(), sender.getPublic());
      PublicKeyEntry recipientPublic = PublicKeyEntry.of(suite.wrap(), recipient.getPublic());
      Sealer sealer = Sealer.builder(suite,
          new PrivateKeyEntry(senderPublic.keyId(), suite.signature(), sender.getPrivate()), recipientPublic, DEST)
          .clock(clock).build();
      ObjectNode v = vectors.addObject();
      v.put("suite", suite.name());
      v.put("suiteId", suite.id());
      v.put("destination", DEST);
      v.put("openAt", AT.toString());
      v.put("recipientKeyId", recipientPublic.keyId().value());
      v.put("recipientPublicKeySpki", hex.formatHex(recipient.getPublic().getEncoded()));
      v.put("recipientPrivateKeyPkcs8", hex.formatHex(recipient.getPrivate().getEncoded()));
      v.put("senderKeyId", senderPublic.keyId().value());
      v.put("senderPublicKeySpki", hex.formatHex(sender.getPublic().getEncoded()));
      ArrayNode events = v.putArray("events");
      String[] plaintexts = {
        "{\"timestamp\":\"2026-11-25T00:00:00Z\",\"type\":\"profile.request\",\"eventId\":\"e-1\",\"connectionId\":\"7d9a2c40\",\"payload\":{}}",
        "", "x".repeat(600)};
      byte[][] sealed = new byte[plaintexts.length][];
      for (int i = 0; i < plaintexts.length; i++) {
        sealed[i] = sealer.sealBytes(plaintexts[i].getBytes(StandardCharsets.UTF_8));
        ObjectNode e = events.addObject();
        e.put("sequence", i);
        e.put("keyBlock", i == 0);
        e.put("envelope", hex.formatHex(sealed[i]));
        e.put("plaintext", hex.formatHex(plaintexts[i].getBytes(StandardCharsets.UTF_8)));
      }
      ArrayNode invalid = v.putArray("invalid");
      byte[] flipped = sealed[1].clone();
      flipped[flipped.length - 20] ^= 1;
      add(invalid, hex, "ciphertext bit flipped", flipped, 1, null, "DECRYPTION_FAILED");
      add(invalid, hex, "event replayed", sealed[1], 2, null, "REPLAYED");
      add(invalid, hex, "event of a session never established", sealed[1], 0, null, "UNKNOWN_SESSION");
      byte[] badSignature = sealed[0].clone();
      int sigStart = signatureOffset(sealed[0]);
      badSignature[sigStart + 5] ^= 1;
      add(invalid, hex, "signature bit flipped", badSignature, 0, null, "BAD_SIGNATURE");
      add(invalid, hex, "key block received at another destination", sealed[0], 0,
          "subscriber.3f7a9c.home.queue.other", "BAD_SIGNATURE");
      add(invalid, hex, "truncated", Arrays.copyOf(sealed[2], 40), 0, null, "MALFORMED");
      byte[] rewound = sealed[2].clone();
      add(invalid, hex, "sequence rewound below the last accepted", sealed[1], 3, null, "REPLAYED");
      rewound[2] = 9;
      add(invalid, hex, "unknown version", rewound, 0, null, "MALFORMED");
    }
    Path out = root.resolve("docs/vectors/envelope-v1.json");
    Files.createDirectories(out.getParent());
    mapper.writeValue(out.toFile(), file);
    System.out.println("wrote " + out);
  }

  private static void add(ArrayNode invalid, HexFormat hex, String comment, byte[] envelope, int afterValid,
      String destination, String reason) {
    ObjectNode c = invalid.addObject();
    c.put("comment", comment);
    c.put("envelope", hex.formatHex(envelope));
    c.put("afterValid", afterValid);
    if (destination != null) {
      c.put("destination", destination);
    }
    c.put("reason", reason);
  }

  /** Where the signature bytes start in a key-block envelope. */
  static int signatureOffset(byte[] envelope) throws EnvelopeException {
    return Envelope.parse(envelope).signedEnd() + 2;
  }
}
