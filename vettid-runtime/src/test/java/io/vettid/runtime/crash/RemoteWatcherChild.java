package io.vettid.runtime.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.Opener;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.VettIdRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The vault as a child process for {@link RemoteWatcherCrashTest}: its own server (the queue, the
 * handler records, the replies) and, on another server, the EventSpace's deposit stream, which its
 * Event Watcher reads remotely; handles {@code crash.tally} events as {@link CrashChild} does, and
 * runs until killed.
 */
public final class RemoteWatcherChild {
  static final String GUID = "crashes";
  static final String ES = "home";

  private RemoteWatcherChild() {}

  /**
   * Runs until killed.
   *
   * @param args the vault's server URL and CA file, the EventSpace server's URLs (comma-separated,
   *     a cluster's nodes) and CA file, the keys file ({@code suite}, {@code peerSigning} SPKI,
   *     {@code wrapping} PKCS#8 and SPKI, base64), the subscriber guid; and for an EventSpace server
   *     in operator mode, the {@code .creds} files of the watcher (deposit account) and of the
   *     responder (EventSpace account)
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    Options.Builder vault = new Options.Builder().server(args[0]).sslContext(TlsMaterial.trusting(Path.of(args[1])));
    Options.Builder remote = new Options.Builder().servers(args[2].split(","))
        .sslContext(TlsMaterial.trusting(Path.of(args[3]))).maxReconnects(-1).reconnectWait(Duration.ofMillis(200));
    Options.Builder responder = new Options.Builder(remote.build());
    if (args.length > 6) {
      remote.authHandler(Nats.credentials(args[6]));
      responder.authHandler(Nats.credentials(args[7]));
    }
    String guid = args[5];
    JsonNode keys = new ObjectMapper().readTree(Files.readAllBytes(Path.of(args[4])));
    Suite suite = Suites.byName(keys.path("suite").asText()).orElseThrow();
    Base64.Decoder b64 = Base64.getDecoder();
    PublicKeyEntry peer = PublicKeyEntry.of(suite.signature(),
        suite.signature().decodePublicKey(b64.decode(keys.path("peerSigning").asText())));
    PublicKeyEntry wrapPublic = PublicKeyEntry.of(suite.wrap(),
        suite.wrap().decodePublicKey(b64.decode(keys.path("wrappingPublic").asText())));
    PrivateKeyEntry wrap = new PrivateKeyEntry(wrapPublic.keyId(), suite.wrap(),
        suite.wrap().decodePrivateKey(b64.decode(keys.path("wrapping").asText())));
    Opener opener = Opener.builder(
        (KeyId id) -> id.equals(wrap.keyId()) ? Optional.of(wrap) : Optional.empty(),
        (KeyId id) -> id.equals(peer.keyId()) ? Optional.of(peer) : Optional.empty()).build();
    Connection replies = Nats.connect(new Options.Builder(vault.build()).build());
    VettIdRuntime rt = CrashChild.tally(VettIdRuntime.connect(vault).eventSpaceNats(remote, responder), replies,
        "none", 0).start();
    rt.watch(guid, ES, opener);
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
