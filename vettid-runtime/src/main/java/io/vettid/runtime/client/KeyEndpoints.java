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
   * {@code keys.rotate-identity}: a new identity key; the profiles re-signed with it, every peer told
   * the rotation signed by the old and the new key.
   */
  public static final ControlEndpoint<None, IdentityRotated> ROTATE_IDENTITY = ControlEndpoint.of("keys",
      "rotate-identity", None.class, IdentityRotated.class);

  /**
   * An identity rotation done.
   *
   * @param previous the replaced key's keyID
   * @param identity the new key's keyID
   * @param rotations how many rotations the chain now holds
   * @param peersTold how many peers were told now (the others are told when they can be reached)
   */
  public record IdentityRotated(String previous, String identity, int rotations, int peersTold) {}

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
