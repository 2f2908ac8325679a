package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code eventspaces} group: the vault's EventSpaces. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventSpaceEndpoints {
  private EventSpaceEndpoints() {}

  /** {@code eventspaces.create}: a new EventSpace, its deposit queue, its watcher and a signed profile. */
  public static final ControlEndpoint<Create, Created> CREATE = ControlEndpoint.of("eventspaces", "create",
      Create.class, Created.class);
  /** {@code eventspaces.list}: the vault's EventSpaces. */
  public static final ControlEndpoint<None, EventSpaces> LIST = ControlEndpoint.of("eventspaces", "list", None.class,
      EventSpaces.class);

  /**
   * Creates an EventSpace.
   *
   * @param name a lowercase token, such as {@code home}
   */
  public record Create(String name) {
    /**
     * Validates.
     *
     * @param name the record component {@code name}
     */
    public Create {
      ControlEndpoint.required(name, "name");
    }
  }

  /**
   * The EventSpace created.
   *
   * @param eventSpace its name
   * @param deposits the subjects peers deposit on
   * @param profileSignedBy the keyID that signed its profile
   */
  public record Created(String eventSpace, String deposits, String profileSignedBy) {}

  /**
   * The vault's EventSpaces.
   *
   * @param eventSpaces their names, the first being the default
   */
  public record EventSpaces(List<String> eventSpaces) {}
}
