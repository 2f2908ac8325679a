package io.vettid.nats.jetstream;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.PurgeOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Seals the values of a key-value bucket again (under a new key, for a re-key) and drops their
 * history: each sealed key's current value is opened and sealed by the caller's function and put
 * back, then every earlier revision of that key, and every revision of a deleted sealed key but its
 * delete marker, is purged from the bucket's stream, so no value sealed under the old key stays
 * readable through the bucket's history.
 */
public final class BucketReseal {
  private BucketReseal() {}

  /** Seals one value again. */
  @FunctionalInterface
  public interface Reseal {
    /**
     * Opens a value sealed under the old key and seals it under the new one.
     *
     * @param key the bucket key (the seal's AAD, usually)
     * @param sealed the value as stored
     * @return the value sealed under the new key
     * @throws GeneralSecurityException if it does not open (nothing of the bucket is changed for it)
     * @throws IOException if the value is not of a form the caller knows
     */
    byte[] reseal(String key, byte[] sealed) throws GeneralSecurityException, IOException;
  }

  /**
   * Seals again the current value of every key {@code sealed} accepts, and purges their history.
   *
   * @param nc a connection of the bucket's account
   * @param bucket the bucket's name
   * @param sealed which keys hold sealed values
   * @param reseal how one value is sealed again
   * @return how many values were sealed again
   * @throws IOException if the bucket cannot be read or written, or a value is of an unknown form
   * @throws GeneralSecurityException if a value does not open (the values before it are sealed again
   *     already: run it again with the same keys to finish, since it only ever opens with the old key
   *     what the old key sealed)
   * @throws JetStreamApiException if the server refuses a read, write or purge
   */
  public static int reseal(Connection nc, String bucket, Predicate<String> sealed, Reseal reseal)
      throws IOException, GeneralSecurityException, JetStreamApiException {
    Objects.requireNonNull(nc, "nc");
    Objects.requireNonNull(sealed, "sealed");
    Objects.requireNonNull(reseal, "reseal");
    String stream = "KV_" + Subjects.name(bucket);
    String prefix = "$KV." + bucket + ".";
    JetStreamManagement jsm = nc.jetStreamManagement();
    List<Subject> subjects = jsm.getStreamInfo(stream, StreamInfoOptions.allSubjects()).getStreamState()
        .getSubjects();
    KeyValue kv = nc.keyValue(bucket);
    int count = 0;
    for (Subject s : subjects == null ? List.<Subject>of() : subjects) {
      if (!s.getName().startsWith(prefix)) {
        continue;
      }
      String key = s.getName().substring(prefix.length());
      if (!sealed.test(key)) {
        continue;
      }
      KeyValueEntry e = kv.get(key);
      if (e != null && e.getValue() != null) {
        kv.put(key, reseal.reseal(key, e.getValue()));
        count++;
      }
      jsm.purgeStream(stream, PurgeOptions.builder().subject(s.getName()).keep(1).build());
    }
    return count;
  }
}
