package io.vettid.runtime.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.connection.ConnectionKeys;
import io.vettid.runtime.connection.ConnectionStore;
import io.vettid.runtime.connection.Connections;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The vault as a child process for {@link KeptSessionsCrashTest}: its own server (queue, handler
 * records, replies, the sealed {@code Connections} bucket) and, on another server, the EventSpace's
 * deposit stream; its connections are added from a keys file after {@link Connections#persistTo},
 * so each goes on with the envelope sessions kept for it. Handles {@code crash.tally} as {@link
 * CrashChild} does, its replies sealed to the peers through the connections (they land in the
 * test's stream on the vault's server), and runs until killed.
 */
public final class KeptSessionsChild {
  static final String GUID = "kept";
  static final String ES = "home";
  /** Where the peers' deposit subjects for the vault lie (a stream on the vault's own server, in the test). */
  static final String PEER_PREFIX = "subscriber.peer.home.queue.";

  private KeptSessionsChild() {}

  /**
   * Runs until killed.
   *
   * @param args the vault's server URL and CA file, the EventSpace server's URL and CA file, the
   *     keys file (a JSON array: {@code id}, the vault's {@code signing}, {@code signingPublic},
   *     {@code wrapping}, {@code wrappingPublic}, the peer's {@code peerSigning}, {@code
   *     peerWrapping}; PKCS#8 and SPKI, base64), the vault secret (hex)
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    Options.Builder vault = new Options.Builder().server(args[0]).sslContext(TlsMaterial.trusting(Path.of(args[1])));
    Options.Builder remote = new Options.Builder().server(args[2]).sslContext(TlsMaterial.trusting(Path.of(args[3])))
        .maxReconnects(-1).reconnectWait(Duration.ofMillis(200));
    Suite suite = Suites.MLKEM768_MLDSA65_V1;
    JsonNode keys = new ObjectMapper().readTree(Files.readAllBytes(Path.of(args[4])));
    byte[] secret = HexFormat.of().parseHex(args[5]);

    // the connections and their kept sessions are back before the runtime takes a queued event
    // a snapshot of every connection's opening sessions whenever the batches since the last one
    // hold twice its bytes: snapshots and their removals of older batches run under the traffic
    // and the kill, not only batches
    Connections connections = new Connections().snapshotSessionsAfter(0);
    Connection own = Nats.connect(new Options.Builder(vault.build()).build());
    connections.persistTo(new ConnectionStore(own, secret), (creds, inbox) -> {
      throw new java.io.IOException("no connection of this test has a peer-issued user");
    });
    // what the vault sends a peer (its replies, a session.reset) lands in the test's stream on the
    // vault's server
    Connection peers = Nats.connect(new Options.Builder(vault.build()).build());
    Base64.Decoder b64 = Base64.getDecoder();
    for (JsonNode k : keys) {
      KeyPair signing = new KeyPair(suite.signature().decodePublicKey(b64.decode(k.path("signingPublic").asText())),
          suite.signature().decodePrivateKey(b64.decode(k.path("signing").asText())));
      KeyPair wrapping = new KeyPair(suite.wrap().decodePublicKey(b64.decode(k.path("wrappingPublic").asText())),
          suite.wrap().decodePrivateKey(b64.decode(k.path("wrapping").asText())));
      ConnectionId id = ConnectionId.of(k.path("id").asText());
      connections.add(id, id, PEER_PREFIX + id.value(), peers, ConnectionKeys.of(suite, signing, wrapping),
          PublicKeyEntry.of(suite.signature(),
              suite.signature().decodePublicKey(b64.decode(k.path("peerSigning").asText()))),
          PublicKeyEntry.of(suite.wrap(), suite.wrap().decodePublicKey(b64.decode(k.path("peerWrapping").asText()))));
    }
    // replies are sealed and sent through the connections (set after the tally's own transport)
    VettIdRuntime rt = CrashChild.tally(VettIdRuntime.connect(vault).eventSpaceNats(remote,
        new Options.Builder(remote.build())), own, "none", 0).connections(connections).start();
    rt.watch(GUID, ES);
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
