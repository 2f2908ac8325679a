package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code vault} group: how the vault runs, and stopping it. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class VaultEndpoints {
  private VaultEndpoints() {}

  /** {@code vault.status}: the running vault and its counters. */
  public static final ControlEndpoint<None, Status> STATUS = ControlEndpoint.of("vault", "status", None.class,
      Status.class);
  /** {@code vault.stop}: stops the vault once the answer is sent. */
  public static final ControlEndpoint<None, Stopping> STOP = ControlEndpoint.of("vault", "stop", None.class,
      Stopping.class);

  /**
   * The running vault.
   *
   * @param name the owner's first name
   * @param guid the subscriber guid
   * @param url where its server listens
   * @param caPin the SHA-256 pin of its TLS CA
   * @param pid its process id
   * @param startedAt when it started (ISO-8601)
   * @param suite the suite of new connections
   * @param identity the keyID of the identity key
   * @param eventSpaces its EventSpaces
   * @param connections how many connections it has
   * @param counters what it settled since it started
   */
  public record Status(String name, String guid, String url, String caPin, long pid, String startedAt, String suite,
      String identity, List<String> eventSpaces, int connections, Counters counters) {}

  /**
   * What a vault settled since it started.
   *
   * @param received events received
   * @param handled events handled
   * @param held events held for the owner
   * @param dropped events dropped by a rule
   * @param quarantined events quarantined, for every reason
   */
  public record Counters(long received, long handled, long held, long dropped, long quarantined) {}

  /**
   * The vault stops.
   *
   * @param stopping always true
   */
  public record Stopping(boolean stopping) {}
}
