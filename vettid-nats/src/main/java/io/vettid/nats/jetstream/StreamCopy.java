package io.vettid.nats.jetstream;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.api.StreamInfo;
import io.nats.client.support.JsonParseException;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Copies a JetStream stream, with its consumers and their state, from one server to another through
 * the servers' own snapshot and restore ({@code $JS.API.STREAM.SNAPSHOT} / {@code
 * $JS.API.STREAM.RESTORE}, nats-server 2.9): the same messages at the same sequences, the same gaps,
 * the same consumers with their acknowledgement floors and pending deliveries. The source server
 * sends the snapshot decrypted; the target writes it under its own store key, so copying every stream
 * into a new server is how a store gets a new key (nats-server 2.9 cannot re-key a store in place).
 *
 * <p>The chunks go straight from the one server to the other (nothing is kept on disk here, and at
 * most the source's flow-control window, 8 MiB, is in flight). A copy that fails leaves the source
 * as it was and creates no stream on the target (the target makes the stream only once the last
 * chunk arrived and the snapshot checked out). Both connections must be of the same account name's
 * users with the JetStream API and, on the target, {@code $JS.SNAPSHOT.RESTORE.>} allowed; on a
 * clustered target the restore is the meta leader's, as nats-server does it.
 *
 * <pre>{@code
 * for (String name : StreamCopy.copyAll(oldServer, newServer, Duration.ofSeconds(30))) {
 *   System.out.println("copied " + name);
 * }
 * }</pre>
 */
public final class StreamCopy {
  private static final Pattern NAME = Pattern.compile("[^.*>\\s]{1,255}");

  private StreamCopy() {}

  /**
   * Copies one stream (it must not exist on the target).
   *
   * @param from a connection to the server that holds the stream
   * @param to a connection to the server that receives it, in the same account
   * @param stream the stream's name
   * @param timeout how long to wait for each answer and each chunk
   * @return the stream as the target now holds it
   * @throws IOException if a server does not answer in time or a connection fails
   * @throws JetStreamApiException if a server refuses (no such stream, one already on the target,
   *     limits, a snapshot that does not check out)
   * @throws InterruptedException if interrupted while waiting
   */
  public static StreamInfo copy(Connection from, Connection to, String stream, Duration timeout)
      throws IOException, JetStreamApiException, InterruptedException {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(timeout, "timeout");
    if (stream == null || !NAME.matcher(stream).matches()) {
      throw new IllegalArgumentException("not a stream name: " + stream);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive");
    }
    String inbox = from.createInbox();
    Subscription chunks = from.subscribe(inbox);
    try {
      JsonValue snapshot = answer(from.request("$JS.API.STREAM.SNAPSHOT." + stream,
          ("{\"deliver_subject\":\"" + inbox + "\",\"jsck\":true}").getBytes(StandardCharsets.UTF_8), timeout),
          "snapshot of " + stream);
      JsonValue config = snapshot.map.get("config");
      JsonValue state = snapshot.map.get("state");
      if (config == null || state == null) {
        throw new IOException("the snapshot answer for " + stream + " holds no config or state");
      }
      JsonValue restore = answer(to.request("$JS.API.STREAM.RESTORE." + stream,
          ("{\"config\":" + config.toJson() + ",\"state\":" + state.toJson() + "}").getBytes(StandardCharsets.UTF_8),
          timeout), "restore of " + stream);
      JsonValue deliver = restore.map.get("deliver_subject");
      if (deliver == null || deliver.string == null) {
        throw new IOException("the restore answer for " + stream + " names no subject to send the snapshot to");
      }
      while (true) {
        Message chunk = chunks.nextMessage(timeout);
        if (chunk == null) {
          throw new IOException("the snapshot of " + stream + " stopped arriving (nothing within " + timeout + ")");
        }
        byte[] data = chunk.getData();
        if (data == null || data.length == 0) {
          break; // the end: the source sends an empty message
        }
        Message taken = to.request(deliver.string, data, timeout);
        if (taken == null) {
          throw new IOException("the restore of " + stream + " did not take a chunk within " + timeout);
        }
        if (taken.getData() != null && taken.getData().length > 0) {
          throw new IOException("the restore of " + stream + " refused a chunk: "
              + new String(taken.getData(), StandardCharsets.UTF_8));
        }
        if (chunk.getReplyTo() != null) {
          from.publish(chunk.getReplyTo(), null); // the source's flow control
        }
      }
      Message done = to.request(deliver.string, null, timeout);
      if (done == null) {
        throw new IOException("the restore of " + stream + " did not finish within " + timeout);
      }
      return new StreamInfo(answer(done, "restore of " + stream));
    } finally {
      chunks.unsubscribe();
    }
  }

  /**
   * Copies every stream of the source's account (key-value buckets and object stores are streams
   * too), one after the other.
   *
   * @param from a connection to the server that holds the streams
   * @param to a connection to the server that receives them, in the same account, holding none of them
   * @param timeout how long to wait for each answer and each chunk
   * @return the names of the streams copied, in order
   * @throws IOException if a server does not answer in time or a connection fails
   * @throws JetStreamApiException if a server refuses a copy (the streams copied before it stay)
   * @throws InterruptedException if interrupted while waiting
   */
  public static List<String> copyAll(Connection from, Connection to, Duration timeout)
      throws IOException, JetStreamApiException, InterruptedException {
    List<String> copied = new ArrayList<>();
    for (String name : Objects.requireNonNull(from, "from").jetStreamManagement().getStreamNames()) {
      copy(from, to, name, timeout);
      copied.add(name);
    }
    return copied;
  }

  /** The JSON of an API answer, or the server's refusal as an exception. */
  private static JsonValue answer(Message m, String what) throws IOException, JetStreamApiException {
    if (m == null) {
      throw new IOException("no answer to the " + what);
    }
    if (m.isStatusMessage()) {
      throw new IOException("no answer to the " + what + " (" + m.getStatus().getMessage() + ")");
    }
    JsonValue v;
    try {
      v = JsonParser.parse(m.getData());
    } catch (JsonParseException e) {
      throw new IOException("the answer to the " + what + " is not JSON", e);
    }
    if (v.map == null) {
      throw new IOException("the answer to the " + what + " is not a JSON object");
    }
    if (v.map.get("error") != null) {
      throw new JetStreamApiException(new io.nats.client.api.ApiResponse<Void>(v) {});
    }
    return v;
  }
}
