package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.runtime.client.ControlEndpoint.ByEventSpace;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;

/** The control service's {@code profiles} group: an EventSpace's signed profile. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ProfileEndpoints {
  private ProfileEndpoints() {}

  /** {@code profiles.publish}: signs and publishes an EventSpace's profile. */
  public static final ControlEndpoint<Publish, Published> PUBLISH = ControlEndpoint.of("profiles", "publish",
      Publish.class, Published.class);
  /** {@code profiles.show}: the published profile, verified. */
  public static final ControlEndpoint<ByEventSpace, Shown> SHOW = ControlEndpoint.of("profiles", "show",
      ByEventSpace.class, Shown.class);

  /**
   * A profile to publish; the owner's identity comes from the vault.
   *
   * @param eventSpace the EventSpace, or null for the first
   * @param share shared data, field to value
   * @param links trusted links, label to URL
   * @param eventTypes event types accepted besides the built-in ones
   * @param resources trusted resources
   */
  public record Publish(String eventSpace, Map<String, String> share, Map<String, String> links,
      List<String> eventTypes, List<Resource> resources) {
    /**
     * Replaces missing members by empty ones; keeps the order of the maps.
     *
     * @param eventSpace the record component {@code eventSpace}
     * @param share the record component {@code share}
     * @param links the record component {@code links}
     * @param eventTypes the record component {@code eventTypes}
     * @param resources the record component {@code resources}
     */
    public Publish {
      share = share == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(share));
      links = links == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(links));
      eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
      resources = resources == null ? List.of() : List.copyOf(resources);
    }
  }

  /**
   * A trusted resource of a profile.
   *
   * @param name its name
   * @param version its version
   * @param location where to fetch it (https)
   * @param sha256 the SHA-256 of its bytes, hex
   */
  public record Resource(String name, String version, String location, String sha256) {}

  /**
   * The profile published.
   *
   * @param eventSpace the EventSpace
   * @param signedBy the keyID that signed it
   * @param bytes its size
   */
  public record Published(String eventSpace, String signedBy, int bytes) {}

  /**
   * A published profile.
   *
   * @param verified whether its signature verified (always true: one that does not is refused)
   * @param profile its members (PROTOCOL.md section 7), without the owner's public key
   */
  public record Shown(boolean verified, ObjectNode profile) {}
}
