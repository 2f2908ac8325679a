package io.vettid.runtime;

import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.api.spi.RuleEngine;
import io.vettid.runtime.internal.handlers.ChatHandler;
import io.vettid.runtime.internal.handlers.ConnectionRevokedHandler;
import io.vettid.runtime.internal.handlers.ContactRequestHandler;
import io.vettid.runtime.internal.handlers.IdentityRotationHandler;
import io.vettid.runtime.internal.handlers.KeyRotationHandler;
import io.vettid.runtime.internal.handlers.MigrationHandler;
import io.vettid.runtime.internal.handlers.ProfileRequestHandler;
import io.vettid.runtime.internal.handlers.ResponseHandler;
import io.vettid.runtime.internal.handlers.SessionResetHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The runtime's built-in handlers: profile requests (the EventSpace's signed profile from the
 * {@code Profiles} bucket), chat, contact requests (shareable data from the {@code Vault} bucket,
 * as the rules allow), and with connections the responses, key rotation, revocation and session
 * reset and identity rotation.
 */
final class BuiltInHandlers {
  /** Shareable data field names. */
  static final Pattern FIELD = Pattern.compile("[a-z0-9_-]{1,64}");

  private BuiltInHandlers() {}

  static List<EventHandlerFactory> of(VettIdRuntimeBuilder b, RuleEngine engine, KeyValue profiles, KeyValue vault) {
    List<EventHandlerFactory> builtIns = new ArrayList<>();
    builtIns.add(new ProfileRequestHandler(es -> readBytes(profiles, es)));
    builtIns.add(new ChatHandler());
    builtIns.add(new ContactRequestHandler(engine, field -> readText(vault, VettIdRuntime.SHARED_PREFIX + field)));
    Providers<KeyAlgorithm> algorithms = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name)
        .discover(VettIdRuntime.class.getClassLoader()).build();
    if (b.connections != null) {
      // a built-in algorithm, or one of a suite a plugin registered (a peer's identity key of it)
      java.util.function.Function<String, Optional<KeyAlgorithm>> byName = name -> algorithms.names().contains(name)
          ? Optional.of(algorithms.get(name)) : io.vettid.crypto.Suites.algorithm(name);
      builtIns.add(new ResponseHandler(byName, b.connections));
      builtIns.add(new IdentityRotationHandler(byName, b.connections));
      builtIns.add(new KeyRotationHandler(b.connections, b.rotationGrace));
      builtIns.add(new MigrationHandler(b.connections));
      builtIns.add(new ConnectionRevokedHandler(b.connections));
      builtIns.add(new SessionResetHandler(b.connections));
    }
    return builtIns;
  }

  static Optional<byte[]> readBytes(KeyValue kv, String key) {
    try {
      KeyValueEntry e = kv.get(key);
      return e == null || e.getValue() == null ? Optional.empty() : Optional.of(e.getValue());
    } catch (IOException | JetStreamApiException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot read " + key + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> readText(KeyValue kv, String key) {
    if (!FIELD.matcher(key.substring(VettIdRuntime.SHARED_PREFIX.length())).matches()) {
      return Optional.empty();
    }
    return readBytes(kv, key).map(v -> new String(v, StandardCharsets.UTF_8));
  }
}
