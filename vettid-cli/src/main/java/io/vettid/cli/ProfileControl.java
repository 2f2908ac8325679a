package io.vettid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.api.KeyValueEntry;
import io.vettid.api.EventType;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.nats.subjects.Subjects;
import io.vettid.profile.Profile;
import io.vettid.profile.ProfileException;
import io.vettid.profile.SignedProfile;
import io.vettid.profile.TrustedLink;
import io.vettid.profile.TrustedResource;
import io.vettid.runtime.client.EventSpaceEndpoints;
import io.vettid.runtime.client.ProfileEndpoints;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.internal.handlers.ChatHandler;
import io.vettid.runtime.internal.handlers.ContactRequestHandler;
import io.vettid.runtime.internal.handlers.ProfileRequestHandler;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The control service's {@code eventspaces} and {@code profiles} groups: EventSpaces and their signed profiles. */
final class ProfileControl {
  private static final List<EventType> BUILT_IN = List.of(ChatHandler.MESSAGE, ProfileRequestHandler.REQUEST,
      ContactRequestHandler.REQUEST);

  private final RunningVault vault;
  private final Consumer<String> published;

  /**
   * @param vault the running vault
   * @param published told the EventSpace whose profile changed (its invitations carry the old one)
   */
  ProfileControl(RunningVault vault, Consumer<String> published) {
    this.vault = vault;
    this.published = published;
  }

  void serve(ControlService.Builder b) {
    b.on(EventSpaceEndpoints.CREATE, r -> create(r.name()))
        .on(EventSpaceEndpoints.LIST, r -> new EventSpaceEndpoints.EventSpaces(vault.config().eventSpaces()))
        .on(ProfileEndpoints.PUBLISH, this::publish)
        .on(ProfileEndpoints.SHOW, r -> show(vault.eventSpace(r.eventSpace())));
  }

  /** The EventSpace every vault has from its first start. */
  static final String DEFAULT_EVENTSPACE = "home";

  /**
   * Creates the default EventSpace ({@value #DEFAULT_EVENTSPACE}, with its signed profile) if the
   * vault has none: every user has an EventSpace.
   *
   * @return whether it was created now
   */
  boolean ensureDefault() throws Exception {
    if (!vault.config().eventSpaces().isEmpty()) {
      return false;
    }
    create(DEFAULT_EVENTSPACE);
    return true;
  }

  private synchronized EventSpaceEndpoints.Created create(String name) throws Exception {
    if (vault.config().eventSpaces().contains(name)) {
      throw new Refused("EventSpace '" + name + "' exists already");
    }
    String deposits = Subjects.depositsOf(vault.config().guid(), name); // refuses a name that is not a lowercase token
    vault.runtime.watch(vault.config().guid(), name);
    vault.addEventSpace(name);
    SignedProfile p = publish(Profile.builder(name, vault.owner()), List.of());
    return new EventSpaceEndpoints.Created(name, deposits, p.signer().value());
  }

  private ProfileEndpoints.Published publish(ProfileEndpoints.Publish r) throws Exception {
    String es = vault.eventSpace(r.eventSpace());
    Profile.Builder b = Profile.builder(es, vault.owner());
    for (Map.Entry<String, String> e : r.share().entrySet()) {
      vault.runtime.shareableData(e.getKey(), e.getValue());
      b.share(e.getKey(), e.getValue());
    }
    r.links().forEach((label, url) -> b.link(new TrustedLink(label, URI.create(url))));
    for (ProfileEndpoints.Resource t : r.resources()) {
      b.resource(new TrustedResource(t.name(), t.version(), URI.create(t.location()), t.sha256()));
    }
    List<EventType> types = new ArrayList<>();
    for (String t : r.eventTypes()) {
      types.add(EventType.of(t));
    }
    SignedProfile sp = publish(b, types);
    return new ProfileEndpoints.Published(es, sp.signer().value(), sp.bytes().length);
  }

  private SignedProfile publish(Profile.Builder b, List<EventType> extraTypes) throws Exception {
    BUILT_IN.forEach(b::eventType);
    extraTypes.forEach(b::eventType);
    SignedProfile sp = SignedProfile.sign(b.build(), vault.identityAlgorithm, vault.identityKeys.getPrivate(),
        new SecureRandom());
    vault.runtime.publishProfile(sp);
    published.accept(sp.profile().eventSpace());
    return sp;
  }

  private ProfileEndpoints.Shown show(String es) throws Exception {
    KeyValueEntry e = vault.nats().keyValue(Subjects.name("Profiles")).get(es);
    if (e == null || e.getValue() == null) {
      throw Refused.notFound("EventSpace '" + es + "' has no published profile; publish one: vettid profile publish "
          + es);
    }
    SignedProfile sp;
    try {
      sp = SignedProfile.parse(e.getValue());
      sp.verify(this::algorithm);
    } catch (ProfileException x) {
      throw new Refused("the stored profile does not verify: " + x.problem() + " (" + x.getMessage() + ")");
    }
    ObjectNode json = sp.profileJson();
    ((ObjectNode) json.path("owner")).remove("publicKey"); // the keyID names it; the key itself is long
    return new ProfileEndpoints.Shown(true, json);
  }

  private Optional<KeyAlgorithm> algorithm(String name) {
    return vault.algorithms.names().contains(name) ? Optional.of(vault.algorithms.get(name)) : Optional.empty();
  }

  /**
   * The vault's identity for an EventSpace, with its published profile (published now if it has
   * none, re-signed now if it presents an earlier identity key) and the key's chain of rotations.
   */
  Identity identity(String es) throws Exception {
    KeyPair keys = vault.identityKeys;
    SignedProfile sp = stored(es).orElse(null);
    if (sp == null) {
      sp = publish(Profile.builder(es, vault.owner()), List.of());
    } else if (!sp.signer().equals(vault.identityAlgorithm.keyId(keys.getPublic()))) {
      sp = republish(es).orElseThrow();
    }
    return new Identity(vault.identityAlgorithm, keys, sp, vault.identityChain);
  }

  /**
   * An earlier identity of the vault, to confirm invitations that name it: the EventSpace's profile
   * presenting that key, signed with it.
   *
   * @param es the EventSpace
   * @param earlier an earlier identity pair, still kept
   */
  Identity earlierIdentity(String es, KeyPair earlier) throws Exception {
    Profile p = stored(es).map(SignedProfile::profile).orElseGet(() -> Profile.builder(es, vault.owner()).build());
    SignedProfile sp = SignedProfile.sign(p.rekeyed(vault.identityAlgorithm, earlier.getPublic(), Instant.now()),
        vault.identityAlgorithm, earlier.getPrivate(), new SecureRandom());
    return new Identity(vault.identityAlgorithm, earlier, sp);
  }

  /**
   * Re-signs an EventSpace's published profile with the current identity key (after a rotation):
   * the same fields, the new key, issued now.
   *
   * @param es the EventSpace
   * @return the profile published, or empty if the EventSpace has none
   */
  Optional<SignedProfile> republish(String es) throws Exception {
    Optional<SignedProfile> before = stored(es);
    if (before.isEmpty()) {
      return Optional.empty();
    }
    KeyPair keys = vault.identityKeys;
    SignedProfile sp = SignedProfile.sign(before.get().profile().rekeyed(vault.identityAlgorithm, keys.getPublic(),
        Instant.now()), vault.identityAlgorithm, keys.getPrivate(), new SecureRandom());
    vault.runtime.publishProfile(sp);
    published.accept(es);
    return Optional.of(sp);
  }

  private Optional<SignedProfile> stored(String es) throws Exception {
    KeyValueEntry e = vault.nats().keyValue(Subjects.name("Profiles")).get(es);
    return e == null || e.getValue() == null ? Optional.empty() : Optional.of(SignedProfile.parse(e.getValue()));
  }
}
