package io.vettid.profile;

import io.vettid.api.EventType;
import io.vettid.api.KeyId;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What an EventSpace publishes about its owner, schema version {@value #SCHEMA_VERSION}: the
 * owner's identity (signing public key and its keyID, first name, age or an age claim, a
 * generalized location), data the owner shares, the event types the EventSpace supports, trusted
 * resources with version and SHA-256, and trusted links. One per EventSpace; an owner may have
 * several. {@link SignedProfile} signs and verifies it.
 *
 * <pre>{@code
 * Profile p = Profile.builder("home", Profile.Owner.of("Alice", algorithm, identityKey.getPublic())
 *         .ageOver(18).location("Berlin area"))
 *     .share("email", "alice@example.org")
 *     .eventType(EventType.of("chat.message"))
 *     .build();
 * SignedProfile signed = SignedProfile.sign(p, algorithm, identityKey.getPrivate(), random);
 * }</pre>
 *
 * @param eventSpace the EventSpace it describes (a lowercase subject token)
 * @param owner the owner's identity
 * @param sharedData fields the owner shares with every connection that reads the profile
 * @param eventTypes the event types the EventSpace accepts
 * @param resources trusted resources
 * @param links trusted links
 * @param issuedAt when it was made
 */
public record Profile(String eventSpace, Owner owner, Map<String, String> sharedData, List<EventType> eventTypes,
    List<TrustedResource> resources, List<TrustedLink> links, Instant issuedAt) {
  /** The schema version this implementation writes and reads. */
  public static final int SCHEMA_VERSION = 1;

  private static final Pattern TOKEN = Pattern.compile("[a-z0-9_-]{1,64}");
  private static final int MAX_ITEMS = 64;

  /**
   * Validates and copies.
   *
   * @param eventSpace the record component {@code eventSpace}
   * @param owner the record component {@code owner}
   * @param sharedData the record component {@code sharedData}
   * @param eventTypes the record component {@code eventTypes}
   * @param resources the record component {@code resources}
   * @param links the record component {@code links}
   * @param issuedAt the record component {@code issuedAt}
   * @throws IllegalArgumentException if a field is malformed or missing (the message names it):
   *     the owner needs a generalized location, and an age or an age claim
   */
  public Profile {
    Objects.requireNonNull(eventSpace, "eventSpace");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(issuedAt, "issuedAt");
    if (!TOKEN.matcher(eventSpace).matches()) {
      throw new IllegalArgumentException("eventSpace must be 1-64 of [a-z0-9_-]");
    }
    // the design notes: an identity always has a public key, a first name, an age or age claim
    // and a generalized location
    if (owner.location().isEmpty()) {
      throw new IllegalArgumentException("owner.location is required: a generalized location, such as \"Berlin area\"");
    }
    if (owner.age().isEmpty() && owner.ageOver().isEmpty()) {
      throw new IllegalArgumentException("owner.age or owner.ageOver is required");
    }
    sharedData = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(sharedData, "sharedData")));
    eventTypes = List.copyOf(eventTypes);
    resources = List.copyOf(resources);
    links = List.copyOf(links);
    if (sharedData.size() > MAX_ITEMS || eventTypes.size() > MAX_ITEMS || resources.size() > MAX_ITEMS
        || links.size() > MAX_ITEMS) {
      throw new IllegalArgumentException("a profile lists at most " + MAX_ITEMS + " of each kind");
    }
    sharedData.forEach((k, v) -> {
      if (!TOKEN.matcher(k).matches()) {
        throw new IllegalArgumentException("shared data field names are 1-64 of [a-z0-9_-], got '" + k + "'");
      }
      requireText("shared data '" + k + "'", v, 512);
    });
    if (issuedAt.getNano() != 0) {
      issuedAt = Instant.ofEpochSecond(issuedAt.getEpochSecond());
    }
  }

  /**
   * This profile presented by another identity key (after the owner rotated it): the same owner
   * fields, shared data, event types, resources and links, the new key, issued at {@code issuedAt}.
   * Sign the result with the new key.
   *
   * @param algorithm the new key's algorithm
   * @param publicKey the new identity public key
   * @param issuedAt when the new profile is issued
   * @return the re-keyed profile
   */
  public Profile rekeyed(io.vettid.api.spi.KeyAlgorithm algorithm, java.security.PublicKey publicKey, Instant issuedAt) {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(publicKey, "publicKey");
    Owner o = new Owner(owner.firstName(), owner.age(), owner.ageOver(), owner.location(), algorithm.name(),
        publicKey.getEncoded(), algorithm.keyId(publicKey));
    return new Profile(eventSpace, o, sharedData, eventTypes, resources, links, issuedAt);
  }

  static void requireText(String what, String value, int max) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty() || value.length() > max) {
      throw new IllegalArgumentException(what + " must be 1-" + max + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < 0x20 || value.charAt(i) == 0x7f) {
        throw new IllegalArgumentException(what + " must not hold control characters");
      }
    }
  }

  /**
   * The owner's identity as a profile shows it.
   *
   * @param firstName the first name
   * @param age the age, if the owner shows it
   * @param ageOver an age claim ("at least this old"), if the owner shows one
   * @param location a generalized location (such as a city or region), if shown
   * @param keyAlgorithm the name of the identity key's {@link io.vettid.api.spi.KeyAlgorithm}
   * @param publicKey the identity key, X.509 SubjectPublicKeyInfo
   * @param keyId its keyID (checked against the key on verification)
   */
  public record Owner(String firstName, OptionalInt age, OptionalInt ageOver, Optional<String> location,
      String keyAlgorithm, byte[] publicKey, KeyId keyId) {
    /**
     * Validates and copies.
     *
     * @param firstName the record component {@code firstName}
     * @param age the record component {@code age}
     * @param ageOver the record component {@code ageOver}
     * @param location the record component {@code location}
     * @param keyAlgorithm the record component {@code keyAlgorithm}
     * @param publicKey the record component {@code publicKey}
     * @param keyId the record component {@code keyId}
     */
    public Owner {
      requireText("first name", firstName, 64);
      Objects.requireNonNull(age, "age");
      Objects.requireNonNull(ageOver, "ageOver");
      Objects.requireNonNull(location, "location");
      age.ifPresent(a -> requireRange("age", a));
      ageOver.ifPresent(a -> requireRange("ageOver", a));
      location.ifPresent(l -> requireText("location", l, 64));
      requireText("key algorithm", keyAlgorithm, 64);
      publicKey = Objects.requireNonNull(publicKey, "publicKey").clone();
      if (publicKey.length == 0 || publicKey.length > 8192) {
        throw new IllegalArgumentException("public key must be 1-8192 bytes");
      }
      Objects.requireNonNull(keyId, "keyId");
    }

    private static void requireRange(String what, int value) {
      if (value < 0 || value > 150) {
        throw new IllegalArgumentException(what + " must be 0-150");
      }
    }

    /**
     * An owner with a name and an identity key; add an age, an age claim or a location with the
     * withers.
     *
     * @param firstName the first name
     * @param algorithm the identity key's algorithm
     * @param publicKey the identity public key
     * @return the owner
     */
    public static Owner of(String firstName, io.vettid.api.spi.KeyAlgorithm algorithm, java.security.PublicKey publicKey) {
      return new Owner(firstName, OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), algorithm.name(),
          publicKey.getEncoded(), algorithm.keyId(publicKey));
    }

    /**
     * {@return a copy showing this age}
     *
     * @param years the age
     */
    public Owner age(int years) {
      return new Owner(firstName, OptionalInt.of(years), ageOver, location, keyAlgorithm, publicKey, keyId);
    }

    /**
     * {@return a copy claiming at least this age}
     *
     * @param years the claimed minimum age
     */
    public Owner ageOver(int years) {
      return new Owner(firstName, age, OptionalInt.of(years), location, keyAlgorithm, publicKey, keyId);
    }

    /**
     * {@return a copy showing this generalized location}
     *
     * @param place a city or region
     */
    public Owner location(String place) {
      return new Owner(firstName, age, ageOver, Optional.of(place), keyAlgorithm, publicKey, keyId);
    }

    /** {@return a copy of the identity key's encoding} */
    @Override
    public byte[] publicKey() {
      return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Owner x && firstName.equals(x.firstName) && age.equals(x.age) && ageOver.equals(x.ageOver)
          && location.equals(x.location) && keyAlgorithm.equals(x.keyAlgorithm)
          && java.util.Arrays.equals(publicKey, x.publicKey) && keyId.equals(x.keyId);
    }

    @Override
    public int hashCode() {
      return Objects.hash(firstName, age, ageOver, location, keyAlgorithm, java.util.Arrays.hashCode(publicKey), keyId);
    }

    @Override
    public String toString() {
      return "Owner[" + firstName + ", key " + keyId + ", " + Base64.getEncoder().encodeToString(publicKey).length()
          + " base64 chars]";
    }
  }

  /**
   * Starts a profile.
   *
   * @param eventSpace the EventSpace it describes
   * @param owner the owner
   * @return the builder
   */
  public static Builder builder(String eventSpace, Owner owner) {
    return new Builder(eventSpace, owner);
  }

  /** Builds a {@link Profile}. */
  public static final class Builder {
    private final String eventSpace;
    private final Owner owner;
    private final Map<String, String> shared = new TreeMap<>();
    private final List<EventType> types = new java.util.ArrayList<>();
    private final List<TrustedResource> resources = new java.util.ArrayList<>();
    private final List<TrustedLink> links = new java.util.ArrayList<>();
    private Instant issuedAt = Instant.now();

    private Builder(String eventSpace, Owner owner) {
      this.eventSpace = eventSpace;
      this.owner = owner;
    }

    /**
     * Shares a data field with every reader.
     *
     * @param field the field name ({@code [a-z0-9_-]}, 1-64)
     * @param value the value
     * @return this builder
     */
    public Builder share(String field, String value) {
      shared.put(field, value);
      return this;
    }

    /**
     * Lists an event type the EventSpace accepts.
     *
     * @param type the type
     * @return this builder
     */
    public Builder eventType(EventType type) {
      types.add(Objects.requireNonNull(type, "type"));
      return this;
    }

    /**
     * Lists a trusted resource.
     *
     * @param resource the resource
     * @return this builder
     */
    public Builder resource(TrustedResource resource) {
      resources.add(Objects.requireNonNull(resource, "resource"));
      return this;
    }

    /**
     * Lists a trusted link.
     *
     * @param link the link
     * @return this builder
     */
    public Builder link(TrustedLink link) {
      links.add(Objects.requireNonNull(link, "link"));
      return this;
    }

    /**
     * Sets the issue time (default now; kept to the second).
     *
     * @param at the time
     * @return this builder
     */
    public Builder issuedAt(Instant at) {
      this.issuedAt = Objects.requireNonNull(at, "at");
      return this;
    }

    /** {@return the profile} */
    public Profile build() {
      return new Profile(eventSpace, owner, shared, types, resources, links, issuedAt);
    }
  }
}
