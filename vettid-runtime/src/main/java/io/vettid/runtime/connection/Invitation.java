package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.KeyId;
import io.vettid.nats.server.ServerAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * An invitation to connect to one EventSpace: single use, expiring, and short enough for a QR
 * code (about 250 characters, 320 with a server, 470 with a bootstrap user). It carries the inviter's subscriber guid and
 * EventSpace, a random id, a 256-bit secret that authenticates the acceptance, a one-time X25519
 * public key the invitee seals the NATS user it issues to (so the secret alone never opens it;
 * the inviter keeps the private half until the invitation is used or expires), the keyID of the
 * inviter's identity key (so the invitee can check the inviter's profile), when it expires, and
 * whether it was handed over in person or sent remotely (a remote acceptance waits for the
 * inviter's approval).
 *
 * <pre>{@literal
 * vettid:invite?v=2&g=3f7a9c&e=home&i=<id>&s=<secret>&p=<one-time key>&k=rsa4096-...&x=1764066000&m=p&n=127.0.0.1:4222&c=<pin>
 * }</pre>
 *
 * <p>{@code n} and {@code c} say where the inviter's EventSpaces are (its EventSpace server, or
 * its own {@code nats-server}) and pin that server's TLS CA ({@link ServerAddress}); both are
 * absent when both sides share a server. {@code a} and {@code b}, with them, are the grant of the
 * invitation's bootstrap user ({@link HandshakeBootstrap}), with which the invitee delivers its
 * acceptance to that server. {@code u} lists the ids of the suites the inviter accepts for the
 * connection ({@link #suites()}, such as {@code u=1,200}); the invitee picks one of them or gives up
 * before it sends anything. Without it the invitee offers its own and the inviter decides.
 *
 * <p>{@link #toString()} never shows the secret; treat the URI itself as a secret until used.
 *
 * @param subscriberGuid the inviter's subscriber guid
 * @param eventSpace the EventSpace it grants access to
 * @param id the invitation's id, 16 bytes
 * @param secret the invitation secret, 32 bytes
 * @param oneTimeKey the inviter's one-time X25519 public key, 32 bytes
 * @param inviter the keyID of the inviter's identity key
 * @param expiresAt when it expires (whole seconds)
 * @param remote whether it was sent remotely (rather than shown in person)
 * @param server where the inviter's server listens and its CA pin, or null when both sides share a server
 * @param bootstrap the grant of the invitation's bootstrap user ({@code a} and {@code b}), with
 *     which the invitee delivers its acceptance over NATS; or null (then only as text)
 * @param suites the ids of the suites the inviter accepts, in its order of preference (1 to
 *     {@value #MAX_SUITES}, each 1..254 once), or empty when the invitation does not say
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Invitation(String subscriberGuid, String eventSpace, byte[] id, byte[] secret, byte[] oneTimeKey,
    KeyId inviter, Instant expiresAt, boolean remote, ServerAddress server, HandshakeBootstrap bootstrap,
    java.util.List<Integer> suites) {
  /** The version of the URI this side writes and reads. */
  public static final String VERSION = "2";
  private static final String PREFIX = "vettid:invite?";
  private static final Pattern TOKEN = Pattern.compile("[a-z0-9_-]{1,64}");
  private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,12}");
  private static final Pattern SUITE_IDS = Pattern.compile("[1-9][0-9]{0,2}(,[1-9][0-9]{0,2})*");

  /** The most suites an invitation lists. */
  public static final int MAX_SUITES = 8;

  /**
   * Validates and copies.
   *
   * @param subscriberGuid the record component {@code subscriberGuid}
   * @param eventSpace the record component {@code eventSpace}
   * @param id the record component {@code id}
   * @param secret the record component {@code secret}
   * @param oneTimeKey the record component {@code oneTimeKey}
   * @param inviter the record component {@code inviter}
   * @param expiresAt the record component {@code expiresAt}
   * @param remote the record component {@code remote}
   * @param server the record component {@code server} (may be null)
   * @param bootstrap the record component {@code bootstrap} (may be null)
   * @param suites the record component {@code suites} (may be empty, not null)
   */
  public Invitation {
    Objects.requireNonNull(subscriberGuid, "subscriberGuid");
    Objects.requireNonNull(eventSpace, "eventSpace");
    Objects.requireNonNull(inviter, "inviter");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (!TOKEN.matcher(subscriberGuid).matches() || !TOKEN.matcher(eventSpace).matches()) {
      throw new IllegalArgumentException("guid and EventSpace must be 1-64 of [a-z0-9_-]");
    }
    if (Objects.requireNonNull(id, "id").length != 16 || Objects.requireNonNull(secret, "secret").length != 32) {
      throw new IllegalArgumentException("an invitation has a 16-byte id and a 32-byte secret");
    }
    if (Objects.requireNonNull(oneTimeKey, "oneTimeKey").length != 32) {
      throw new IllegalArgumentException("an invitation's one-time key is 32 bytes (X25519)");
    }
    id = id.clone();
    secret = secret.clone();
    oneTimeKey = oneTimeKey.clone();
    expiresAt = Instant.ofEpochSecond(expiresAt.getEpochSecond());
    suites = checkSuites(java.util.List.copyOf(Objects.requireNonNull(suites, "suites")));
  }

  private static java.util.List<Integer> checkSuites(java.util.List<Integer> suites) {
    if (suites.size() > MAX_SUITES || suites.stream().distinct().count() != suites.size()
        || suites.stream().anyMatch(x -> x < 1 || x > 254)) {
      throw new IllegalArgumentException("an invitation lists at most " + MAX_SUITES + " suite ids, each 1..254 once");
    }
    return suites;
  }

  /**
   * An invitation that does not list suites.
   *
   * @param subscriberGuid the inviter's subscriber guid
   * @param eventSpace the EventSpace it grants access to
   * @param id the invitation's id, 16 bytes
   * @param secret the invitation secret, 32 bytes
   * @param oneTimeKey the inviter's one-time X25519 public key, 32 bytes
   * @param inviter the keyID of the inviter's identity key
   * @param expiresAt when it expires
   * @param remote whether it was sent remotely
   * @param server where the inviter's server listens and its CA pin, or null
   * @param bootstrap the grant of the invitation's bootstrap user, or null
   */
  public Invitation(String subscriberGuid, String eventSpace, byte[] id, byte[] secret, byte[] oneTimeKey,
      KeyId inviter, Instant expiresAt, boolean remote, ServerAddress server, HandshakeBootstrap bootstrap) {
    this(subscriberGuid, eventSpace, id, secret, oneTimeKey, inviter, expiresAt, remote, server, bootstrap,
        java.util.List.of());
  }

  /**
   * An invitation to a shared server (no server address).
   *
   * @param subscriberGuid the inviter's subscriber guid
   * @param eventSpace the EventSpace it grants access to
   * @param id the invitation's id, 16 bytes
   * @param secret the invitation secret, 32 bytes
   * @param oneTimeKey the inviter's one-time X25519 public key, 32 bytes
   * @param inviter the keyID of the inviter's identity key
   * @param expiresAt when it expires
   * @param remote whether it was sent remotely
   */
  public Invitation(String subscriberGuid, String eventSpace, byte[] id, byte[] secret, byte[] oneTimeKey,
      KeyId inviter, Instant expiresAt, boolean remote) {
    this(subscriberGuid, eventSpace, id, secret, oneTimeKey, inviter, expiresAt, remote, null, null);
  }

  /**
   * An invitation naming the inviter's server, without a bootstrap user.
   *
   * @param subscriberGuid the inviter's subscriber guid
   * @param eventSpace the EventSpace it grants access to
   * @param id the invitation's id, 16 bytes
   * @param secret the invitation secret, 32 bytes
   * @param oneTimeKey the inviter's one-time X25519 public key, 32 bytes
   * @param inviter the keyID of the inviter's identity key
   * @param expiresAt when it expires
   * @param remote whether it was sent remotely
   * @param server where the inviter's server listens and its CA pin, or null
   */
  public Invitation(String subscriberGuid, String eventSpace, byte[] id, byte[] secret, byte[] oneTimeKey,
      KeyId inviter, Instant expiresAt, boolean remote, ServerAddress server) {
    this(subscriberGuid, eventSpace, id, secret, oneTimeKey, inviter, expiresAt, remote, server, null);
  }

  /**
   * The same invitation with its bootstrap user's grant.
   *
   * @param grant the grant
   * @return the invitation
   */
  public Invitation withBootstrap(HandshakeBootstrap grant) {
    return new Invitation(subscriberGuid, eventSpace, id, secret, oneTimeKey, inviter, expiresAt, remote, server,
        Objects.requireNonNull(grant, "grant"), suites);
  }

  /**
   * The same invitation listing the suites its inviter accepts.
   *
   * @param ids the suites' ids, in the inviter's order of preference
   * @return the invitation
   * @throws IllegalArgumentException if there are more than {@value #MAX_SUITES}, one repeats, or one is
   *     not 1..254
   */
  public Invitation withSuites(java.util.List<Integer> ids) {
    return new Invitation(subscriberGuid, eventSpace, id, secret, oneTimeKey, inviter, expiresAt, remote, server,
        bootstrap, ids);
  }

  /** {@return the bootstrap user's grant, when the invitation carries one} */
  public java.util.Optional<HandshakeBootstrap> bootstrapGrant() {
    return java.util.Optional.ofNullable(bootstrap);
  }

  /** {@return the invitation's handshake token, the last token of its handshake subject} */
  public String handshakeToken() {
    return HandshakeBootstrap.token(idText());
  }

  /** {@return the server address, when the invitation names one} */
  public java.util.Optional<ServerAddress> serverAddress() {
    return java.util.Optional.ofNullable(server);
  }

  /** {@return a copy of the id} */
  @Override
  public byte[] id() {
    return id.clone();
  }

  /** {@return a copy of the secret} */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  /** {@return a copy of the one-time public key} */
  @Override
  public byte[] oneTimeKey() {
    return oneTimeKey.clone();
  }

  /** {@return the id as text (base64url)} */
  public String idText() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
  }

  /** {@return the URI to share (as text or QR code)} */
  public String toUri() {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    return PREFIX + "v=" + VERSION + "&g=" + subscriberGuid + "&e=" + eventSpace + "&i=" + b.encodeToString(id)
        + "&s=" + b.encodeToString(secret) + "&p=" + b.encodeToString(oneTimeKey) + "&k=" + inviter.value() + "&x=" + expiresAt.getEpochSecond() + "&m="
        + (remote ? "r" : "p") + (server == null ? "" : "&n=" + server.hostPort() + "&c=" + server.caPin())
        + (bootstrap == null ? "" : "&a=" + bootstrap.account() + "&b=" + b.encodeToString(bootstrap.signature()))
        + (suites.isEmpty() ? "" : "&u=" + String.join(",", suites.stream().map(String::valueOf).toList()));
  }

  /**
   * Parses an invitation URI strictly: every parameter once, in any order, nothing else.
   *
   * @param uri the URI
   * @return the invitation
   * @throws IllegalArgumentException naming what is wrong (never echoing the secret)
   */
  public static Invitation parse(String uri) {
    Objects.requireNonNull(uri, "uri");
    if (uri.length() > 1024 || !uri.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a VettID invitation (it starts with '" + PREFIX + "')");
    }
    Map<String, String> p = new LinkedHashMap<>();
    for (String pair : uri.substring(PREFIX.length()).split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("invitation parameter without a name or value");
      }
      String name = pair.substring(0, eq);
      if (!"vgeispkxmncabu".contains(name) || name.length() != 1) {
        throw new IllegalArgumentException("unknown invitation parameter '" + printable(name) + "'");
      }
      if (p.put(name, pair.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("invitation parameter '" + name + "' appears twice");
      }
    }
    if (p.containsKey("v") && !p.get("v").equals(VERSION)) {
      throw new IllegalArgumentException("unknown invitation version '" + printable(p.get("v")) + "' (this side reads "
          + VERSION + ")");
    }
    for (String required : new String[] {"v", "g", "e", "i", "s", "p", "k", "x", "m"}) {
      if (!p.containsKey(required)) {
        throw new IllegalArgumentException("invitation parameter '" + required + "' is missing");
      }
    }
    if (!p.get("m").equals("p") && !p.get("m").equals("r")) {
      throw new IllegalArgumentException("invitation mode must be 'p' (in person) or 'r' (remote)");
    }
    if (!DIGITS.matcher(p.get("x")).matches()) {
      throw new IllegalArgumentException("invitation expiry must be seconds since the epoch");
    }
    if (p.containsKey("n") != p.containsKey("c")) {
      throw new IllegalArgumentException("invitation parameters 'n' (server) and 'c' (CA pin) come together");
    }
    if (p.containsKey("a") != p.containsKey("b")) {
      throw new IllegalArgumentException("invitation parameters 'a' (account) and 'b' (bootstrap signature) come"
          + " together");
    }
    if (p.containsKey("a") && !p.containsKey("n")) {
      throw new IllegalArgumentException("invitation parameters 'a' and 'b' need the server 'n' and 'c'");
    }
    HandshakeBootstrap bootstrap = null;
    if (p.containsKey("a")) {
      try {
        bootstrap = new HandshakeBootstrap(p.get("a"), b64("b", p.get("b"), 64));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invitation bootstrap: " + e.getMessage());
      }
    }
    java.util.List<Integer> suites = java.util.List.of();
    if (p.containsKey("u")) {
      if (!SUITE_IDS.matcher(p.get("u")).matches()) {
        throw new IllegalArgumentException("invitation parameter 'u' lists suite ids: decimal, comma-separated");
      }
      suites = java.util.Arrays.stream(p.get("u").split(",")).map(Integer::valueOf).toList();
    }
    ServerAddress server = null;
    if (p.containsKey("n")) {
      try {
        server = ServerAddress.parse(p.get("n"), p.get("c"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invitation server: " + e.getMessage());
      }
    }
    return new Invitation(p.get("g"), p.get("e"), b64("i", p.get("i"), 16), b64("s", p.get("s"), 32),
        b64("p", p.get("p"), 32), KeyId.of(p.get("k")), Instant.ofEpochSecond(Long.parseLong(p.get("x"))),
        p.get("m").equals("r"), server, bootstrap, suites);
  }

  private static byte[] b64(String name, String value, int length) {
    if (!B64URL.matcher(value).matches()) {
      throw new IllegalArgumentException("invitation parameter '" + name + "' must be base64url");
    }
    byte[] b;
    try {
      b = Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invitation parameter '" + name + "' must be base64url");
    }
    if (b.length != length) {
      throw new IllegalArgumentException("invitation parameter '" + name + "' must hold " + length + " bytes");
    }
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(b).equals(value)) {
      // unused trailing bits set: another spelling of the same bytes; only one spelling is accepted
      throw new IllegalArgumentException("invitation parameter '" + name + "' is not canonical base64url");
    }
    return b;
  }

  private static String printable(String s) {
    String t = s.length() > 16 ? s.substring(0, 16) + "..." : s;
    return t.replaceAll("[^\\x21-\\x7e]", "?");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Invitation x && subscriberGuid.equals(x.subscriberGuid) && eventSpace.equals(x.eventSpace)
        && Arrays.equals(id, x.id) && Arrays.equals(secret, x.secret) && Arrays.equals(oneTimeKey, x.oneTimeKey)
        && inviter.equals(x.inviter)
        && expiresAt.equals(x.expiresAt) && remote == x.remote && Objects.equals(server, x.server)
        && Objects.equals(bootstrap, x.bootstrap) && suites.equals(x.suites);
  }

  @Override
  public int hashCode() {
    return Objects.hash(subscriberGuid, eventSpace, Arrays.hashCode(id), inviter, expiresAt, remote, server);
  }

  @Override
  public String toString() {
    return "Invitation[" + idText() + " to " + subscriberGuid + "/" + eventSpace + ", inviter " + inviter
        + ", expires " + expiresAt + (remote ? ", remote" : ", in person")
        + (server == null ? "" : ", server " + server.hostPort()) + (suites.isEmpty() ? "" : ", suites " + suites)
        + "]";
  }
}
