package io.vettid.runtime.resources;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.nats.subjects.Subjects;
import io.vettid.profile.TrustedResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Gets trusted resources and checks them before any use. A resource listed in a profile names its
 * version and SHA-256; {@link #fetch} reads it from the vault's {@code Files} object store (object
 * name {@code <name>-<version>}) or, for an {@code https} location, with the host's HTTP client, and
 * returns the bytes only if their SHA-256 matches ({@link FailureReason#HASH_MISMATCH} otherwise).
 * {@link #loadHandlers} loads an Event Handler plugin jar only after that check, in its own class
 * loader, and returns the {@link EventHandlerFactory}s it declares.
 *
 * <pre>{@code
 * TrustedResources resources = new TrustedResources(nc, HttpClient.newHttpClient());
 * List<EventHandlerFactory> plugins = resources.loadHandlers(resource);  // throws unless the hash matches
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class TrustedResources {
  /** Largest resource fetched (16 MiB). */
  public static final int MAX_BYTES = 16 << 20;

  private final ObjectStore files;
  private final HttpClient http;

  /**
   * Creates the fetcher.
   *
   * @param nc a connection of the vault's account (the {@code Files} object store must exist)
   * @param http the host's HTTP client, for {@code https} locations (may be null: object store only)
   * @throws IOException if the object store cannot be opened
   */
  public TrustedResources(Connection nc, HttpClient http) throws IOException {
    this.files = Objects.requireNonNull(nc, "nc").objectStore(Subjects.FILES_OBJECT_STORE);
    this.http = http;
  }

  /**
   * The object store name of a resource.
   *
   * @param r the resource
   * @return {@code <name>-<version>}
   */
  public static String objectName(TrustedResource r) {
    return r.name() + "-" + r.version();
  }

  /**
   * Stores a resource's bytes in the vault's object store (after checking them against the
   * listing).
   *
   * @param r the resource
   * @param content its bytes
   * @throws VettidException {@link FailureReason#HASH_MISMATCH} if they are not the listed bytes
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the store refuses it
   */
  public void store(TrustedResource r, byte[] content) throws VettidException, IOException, JetStreamApiException {
    r.verify(content);
    try {
      files.put(objectName(r), content);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Fetches a resource and verifies it.
   *
   * @param r the resource
   * @return its bytes, verified
   * @throws VettidException {@link FailureReason#HASH_MISMATCH} if the bytes differ from the
   *     listing (they are not returned), or if it cannot be found
   * @throws IOException if it cannot be read
   * @throws InterruptedException if interrupted
   */
  public byte[] fetch(TrustedResource r) throws VettidException, IOException, InterruptedException {
    Objects.requireNonNull(r, "r");
    byte[] content = fromObjectStore(r);
    if (content == null) {
      if (http == null || !"https".equals(r.location().getScheme())) {
        throw new VettidException(FailureReason.HASH_MISMATCH,
            "trusted resource '" + objectName(r) + "' is not in the object store and has no https location");
      }
      HttpResponse<java.io.InputStream> resp = http.send(HttpRequest.newBuilder(r.location())
          .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      try (java.io.InputStream body = resp.body()) {
        if (resp.statusCode() != 200) {
          throw new IOException("fetching " + r.location() + " gave HTTP " + resp.statusCode());
        }
        if (resp.headers().firstValueAsLong("content-length").orElse(0) > MAX_BYTES) {
          throw new IOException("trusted resource '" + objectName(r) + "' is larger than " + MAX_BYTES + " bytes");
        }
        // never more than the limit in memory, whatever the server says or sends
        content = VerifiedJarLoader.readAtMost(body, MAX_BYTES);
      }
      if (content.length > MAX_BYTES) {
        throw new IOException("trusted resource '" + objectName(r) + "' is larger than " + MAX_BYTES + " bytes");
      }
    }
    return r.verify(content);
  }

  private byte[] fromObjectStore(TrustedResource r) throws IOException, InterruptedException {
    try {
      ObjectInfo info = files.getInfo(objectName(r));
      if (info == null || info.isDeleted()) {
        return null;
      }
      if (info.getSize() > MAX_BYTES) {
        throw new IOException("trusted resource '" + objectName(r) + "' is larger than " + MAX_BYTES + " bytes");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      files.get(objectName(r), out);
      return out.toByteArray();
    } catch (JetStreamApiException e) {
      return null;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IOException("cannot read '" + objectName(r) + "' from the object store", e);
    }
  }

  /**
   * Loads an Event Handler plugin: fetches and verifies the jar, then loads it in its own class
   * loader, from the very bytes that were checked (in memory, never from a file that could change
   * after the check), and returns the factories it declares in {@code
   * META-INF/services/io.vettid.api.spi.EventHandlerFactory}. Nothing of the jar runs before its
   * hash matched.
   *
   * @param r the plugin's listing
   * @return the factories it provides (only those defined by the plugin itself)
   * @throws VettidException {@link FailureReason#HASH_MISMATCH} if the jar is not the listed one
   * @throws IOException if it cannot be read, or is not a jar
   * @throws InterruptedException if interrupted
   */
  public List<EventHandlerFactory> loadHandlers(TrustedResource r) throws VettidException, IOException,
      InterruptedException {
    byte[] jar = fetch(r);
    ClassLoader loader = new VerifiedJarLoader("vettid-plugin-" + objectName(r), jar,
        new Plugins.ApiOnly(TrustedResources.class.getClassLoader()));
    List<EventHandlerFactory> out = new ArrayList<>();
    for (ServiceLoader.Provider<EventHandlerFactory> p : ServiceLoader.load(EventHandlerFactory.class, loader)
        .stream().toList()) {
      if (p.type().getClassLoader() == loader) {
        out.add(p.get());
      }
    }
    return out;
  }
}
