package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.runtime.client.ControlEndpoint.ByConnection;
import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code keys} group: the vault's keys, by keyID only. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class KeyEndpoints {
  private KeyEndpoints() {}

  /** {@code keys.list}: the identity key and each connection's current wrapping key. */
  public static final ControlEndpoint<None, Listed> LIST = ControlEndpoint.of("keys", "list", None.class,
      Listed.class);
  /** {@code keys.rotate}: a connection's new wrapping key and peer NATS user, announced to the peer. */
  public static final ControlEndpoint<ByConnection, Rotated> ROTATE = ControlEndpoint.of("keys", "rotate",
      ByConnection.class, Rotated.class);

  /**
   * The vault's keys.
   *
   * @param identity the identity key
   * @param connections each connection's current wrapping key
   */
  public record Listed(Identity identity, List<ConnectionKey> connections) {}

  /**
   * The identity key.
   *
   * @param keyId its keyID
   * @param algorithm its algorithm
   */
  public record Identity(String keyId, String algorithm) {}

  /**
   * A connection's current wrapping key.
   *
   * @param connection the connection id
   * @param peer the peer's first name
   * @param suite the connection's suite
   * @param wrapping the keyID of the key the peer seals to
   */
  public record ConnectionKey(String connection, String peer, String suite, String wrapping) {}

  /**
   * A rotation announced.
   *
   * @param connection the connection id
   * @param wrapping the new wrapping key's keyID
   */
  public record Rotated(String connection, String wrapping) {}
}
