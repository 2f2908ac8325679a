package io.vettid.runtime.service;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Which group record holds an eventId's handled-once entry, in about 24 bytes of heap per eventId
 * (a {@code ConcurrentHashMap} of token strings took about ten times that): a 64-bit fingerprint
 * of each token in an open-addressing table, mapped to the group's number.
 *
 * <p>A fingerprint is a hint, never a verdict: whoever finds a group here reads that group record
 * and looks for the eventId in it, so a token that merely shares a fingerprint finds nothing and
 * counts as absent (one read too many). The other way round could lose an event's record, so a
 * token whose fingerprint is already taken is kept exactly, by its text, in a small overflow map
 * that is asked first. Groups are numbered in the order they are written and forgotten in that
 * order. Thread-safe (one lock).
 */
final class GroupIndex {
  private static final long EMPTY = 0;

  private long[] keys = new long[1 << 10];
  private long[] groups = new long[1 << 10];
  private int size;
  /** Tokens whose fingerprint was taken when they came, kept exactly. */
  private final Map<String, Long> overflow = new HashMap<>();

  /** {@return a token's fingerprint (never 0)} */
  static long fingerprint(String token) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the UTF-8 bytes, then a murmur finalizer
    for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == EMPTY ? 1 : h;
  }

  /**
   * Records that a token's entry is in group {@code group}.
   *
   * @param token the eventId's token
   * @param group the group's number (non-negative)
   * @return the token's fingerprint, to {@linkplain #forget forget} it by
   */
  synchronized long put(String token, long group) {
    long f = fingerprint(token);
    int i = slot(f);
    if (keys[i] == f) {
      overflow.put(token, group); // taken (by this token's earlier group, or another token): kept exactly
      return f;
    }
    keys[i] = f;
    groups[i] = group;
    if (++size * 2 > keys.length) {
      grow();
    }
    return f;
  }

  /**
   * The group a token's entry may be in: exact for a token of the overflow, a hint otherwise.
   *
   * @param token the eventId's token
   * @return the group's number, or -1 if no entry can be there
   */
  synchronized long groupOf(String token) {
    if (!overflow.isEmpty()) {
      Long exact = overflow.get(token);
      if (exact != null) {
        return exact;
      }
    }
    long f = fingerprint(token);
    int i = slot(f);
    return keys[i] == f ? groups[i] : -1;
  }

  /**
   * Forgets the entries of one group: the fingerprints that still name it, and its tokens in the
   * overflow.
   *
   * @param group the group's number
   * @param fingerprints its members' fingerprints
   */
  synchronized void forget(long group, long[] fingerprints) {
    for (long f : fingerprints) {
      int i = slot(f);
      if (keys[i] == f && groups[i] == group) {
        remove(i);
      }
    }
    if (!overflow.isEmpty()) {
      overflow.values().removeIf(g -> g == group);
    }
  }

  /** {@return how many tokens are indexed} */
  synchronized int size() {
    return size + overflow.size();
  }

  /** The slot holding {@code f}, or the empty slot where it would go (linear probing). */
  private int slot(long f) {
    int mask = keys.length - 1;
    int i = (int) (f ^ (f >>> 32)) & mask;
    while (keys[i] != EMPTY && keys[i] != f) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** Removes slot {@code i}, shifting back the entries after it that probed past it. */
  private void remove(int i) {
    int mask = keys.length - 1;
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      long k = keys[j];
      if (k == EMPTY) {
        break;
      }
      int home = (int) (k ^ (k >>> 32)) & mask;
      // j's entry may move into the hole if its home is not cyclically within (hole, j]
      boolean stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!stays) {
        keys[hole] = k;
        groups[hole] = groups[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    groups[hole] = 0;
    size--;
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldGroups = groups;
    keys = new long[oldKeys.length * 2];
    groups = new long[oldKeys.length * 2];
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        int s = slot(oldKeys[i]);
        keys[s] = oldKeys[i];
        groups[s] = oldGroups[i];
      }
    }
  }
}
