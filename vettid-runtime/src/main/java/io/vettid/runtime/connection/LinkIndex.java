package io.vettid.runtime.connection;

import io.vettid.api.ConnectionId;
import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.envelope.EnvelopeException;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.crypto.envelope.Opener;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The links of a vault and what finds them: by id, by the deposit subject they arrive on, and by
 * key (every wrapping key and peer signing key, with the connection it belongs to). It opens
 * deposits ({@link EnvelopeOpener}) with the link of the subject they arrived on, and builds each
 * link's {@link Opener}, which refuses a key of another connection as {@link
 * FailureReason#WRONG_KEY} rather than treat it as unknown.
 */
final class LinkIndex implements EnvelopeOpener {
  /** Sessions one connection's opener remembers (a sender has one at a time, more only briefly). */
  static final int SESSIONS_PER_CONNECTION = 16;
  /**
   * Session openings one connection may cause within {@link #OPENINGS_PER} (each a private-key
   * operation here): a sender at the session limit of 10,000 events reaches it only above 10,000
   * events a second, sustained. Beyond it a key block is quarantined as {@link
   * FailureReason#TOO_MANY_SESSIONS}.
   */
  static final int OPENINGS_PER_CONNECTION = 3_600;
  /**
   * How long a peer's previous signing key still verifies key blocks once one signed by its new
   * key arrived (key blocks signed before the switch, still on their way).
   */
  static final java.time.Duration PREVIOUS_SIGNER_GRACE = java.time.Duration.ofMinutes(10);
  /** The period of {@link #OPENINGS_PER_CONNECTION}. */
  static final java.time.Duration OPENINGS_PER = java.time.Duration.ofHours(1);

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LinkIndex.class);
  private final Map<ConnectionId, Link> links = new ConcurrentHashMap<>();
  private final Map<String, Link> byDeposit = new ConcurrentHashMap<>();
  /** Every wrapping key of every connection (primary or in grace) and the connection it is for. */
  private final Map<KeyId, ConnectionId> wrappingOwners = new ConcurrentHashMap<>();
  /** Every peer signing key and the connection it signs for. */
  private final Map<KeyId, ConnectionId> signerOwners = new ConcurrentHashMap<>();
  private final BlockList blocked;

  LinkIndex(BlockList blocked) {
    this.blocked = blocked;
  }

  /** Adds a link; false if its id is taken. */
  boolean add(Link link) {
    if (links.putIfAbsent(link.local, link) != null) {
      return false;
    }
    reindex(link);
    if (link.ownDeposit != null) {
      byDeposit.put(link.ownDeposit, link);
    }
    return true;
  }

  /** Removes a link and every key it was found by; null if there was none. */
  synchronized Link remove(ConnectionId local) {
    Link link = links.remove(local);
    if (link != null) {
      link.indexed.forEach(id -> wrappingOwners.remove(id, local));
      link.indexedSigners.forEach(id -> signerOwners.remove(id, local));
      if (link.ownDeposit != null) {
        byDeposit.remove(link.ownDeposit, link);
      }
    }
    return link;
  }

  Link get(ConnectionId local) {
    return links.get(local);
  }

  boolean contains(ConnectionId local) {
    return links.containsKey(local);
  }

  Collection<Link> all() {
    return links.values();
  }

  List<ConnectionId> ids() {
    return List.copyOf(links.keySet());
  }

  /**
   * Indexes a link's wrapping keys and its peer's signing keys as its own, and no more a key it no
   * longer has. Under the link's lock (a key change holds it while it reindexes; a cold link's keys
   * load under it), then the index's.
   */
  void reindex(Link link) {
    synchronized (link) {
      reindexLocked(link);
    }
  }

  private void reindexLocked(Link link) {
    Link.Held h = link.held();
    Set<KeyId> now = new HashSet<>();
    h.wrapping.versions().forEach(v -> now.add(v.keyId()));
    io.vettid.crypto.keyring.KeyRing previousRing = link.previousWrapping;
    if (previousRing != null) {
      previousRing.versions().forEach(v -> now.add(v.keyId()));
    }
    Link.Migration m = link.migration;
    if (m != null) {
      now.add(m.mine().wrappingPublic().keyId());
    }
    // the peer's signing keys: the current one, the previous one while it is kept, and the one of
    // a migration it announced
    Set<KeyId> signers = new HashSet<>();
    signers.add(h.peerSigning.keyId());
    PublicKeyEntry peerPrevious = link.peerSigningPrevious;
    if (peerPrevious != null) {
      signers.add(peerPrevious.keyId());
    }
    if (m != null && m.peerSigning() != null) {
      signers.add(m.peerSigning().keyId());
    }
    synchronized (this) {
      link.indexed = owned(wrappingOwners, link.indexed, now, link.local);
      link.indexedSigners = owned(signerOwners, link.indexedSigners, signers, link.local);
    }
  }

  /** Indexes {@code now} as the connection's in {@code owners}, and no more what it {@code had} and lost. */
  private static Set<KeyId> owned(Map<KeyId, ConnectionId> owners, Set<KeyId> had, Set<KeyId> now,
      ConnectionId local) {
    for (KeyId gone : had) {
      if (!now.contains(gone)) {
        owners.remove(gone, local);
      }
    }
    for (KeyId id : now) {
      owners.put(id, local);
    }
    return Set.copyOf(now);
  }

  /**
   * The opener of one connection: its own wrapping ring and its peer's signing key, nothing else;
   * a key this vault holds for another connection is a wrong key.
   */
  Opener openerOf(Link link, io.vettid.crypto.envelope.SessionStates.Openings kept) {
    Opener.KeyFinder<PrivateKeyEntry> own = new Opener.KeyFinder<>() {
      @Override
      public Optional<PrivateKeyEntry> find(KeyId id) throws EnvelopeException {
        // a cold link loads its keys only for a keyID indexed as its own (another is never read from the store)
        return ownKey(!link.warm() && !link.indexed.contains(id) ? null : keysOf(link), id);
      }

      @Override
      public boolean holds(KeyId id) throws EnvelopeException {
        Link.Held h = link.peek(); // an open session's event: not a use of the keys
        if (h == null) {
          Link.Cold cold = link.coldKeys();
          if (cold != null) { // a cold link holds its one wrapping key, and no other (cooled only so)
            return cold.wrapping().equals(id);
          }
          h = keysOf(link); // warmed meanwhile
        }
        return ownKey(h, id).isPresent();
      }

      /** The link's private key of that keyID: of its ring ({@code h}, null: not looked in), a migration's or a previous suite's. */
      private Optional<PrivateKeyEntry> ownKey(Link.Held h, KeyId id) throws EnvelopeException {
        Optional<PrivateKeyEntry> own = h == null ? Optional.empty() : h.wrapping.privateKey(id);
        if (own.isEmpty()) { // a key of the suite a migration left, or of the one it moves to
          io.vettid.crypto.keyring.KeyRing previousRing = link.previousWrapping();
          own = previousRing == null ? Optional.empty() : previousRing.privateKey(id);
          Link.Migration m = link.migration;
          if (own.isEmpty() && m != null && m.mine().wrapping().keyId().equals(id)) {
            own = Optional.of(m.mine().wrapping());
          }
        }
        if (own.isEmpty() && isOther(wrappingOwners.get(id), link)) {
          throw new EnvelopeException(FailureReason.WRONG_KEY,
              "recipient key " + id + " is not a key of connection " + link.local.value());
        }
        return own;
      }
    };
    return Opener.builder(own, id -> {
      boolean blockedPeer = link.peerIdentity != null && blocked.isBlocked(link.peerIdentity);
      Link.Cold cold = link.coldKeys();
      if (cold == null || cold.peerSigning().equals(id)) {
        PublicKeyEntry current = keysOf(link).peerSigning;
        if (current.keyId().equals(id)) {
          if (!blockedPeer) {
            link.peerSeenSigningWithNewKey(PREVIOUS_SIGNER_GRACE);
          }
          return blockedPeer ? Optional.empty() : Optional.of(current);
        }
      }
      Optional<PublicKeyEntry> previous = link.peerSigningPrevious().filter(p -> p.keyId().equals(id));
      if (previous.isPresent()) {
        return blockedPeer ? Optional.empty() : previous; // a key block signed before the peer's rotation
      }
      Link.Migration m = link.migration;
      if (m != null && m.peerSigning() != null && m.peerSigning().keyId().equals(id)) {
        return blockedPeer ? Optional.empty() : Optional.of(m.peerSigning()); // the peer moved before this side
      }
      if (isOther(signerOwners.get(id), link)) {
        throw new EnvelopeException(FailureReason.WRONG_KEY,
            "sender key " + id + " signs for another connection, not " + link.local.value());
      }
      return Optional.empty();
    }).maxSessions(SESSIONS_PER_CONNECTION).maxOpenings(OPENINGS_PER_CONNECTION, OPENINGS_PER).restore(kept)
        .build();
  }

  /**
   * A link's keys for opening: a cold link whose record will not give them refuses the envelope as
   * {@link FailureReason#UNKNOWN_KEY_ID} (the vault no longer holds a key of that keyID), so the
   * deposit is quarantined with the reason; a store that cannot be read now still throws, and the
   * deposit comes again.
   */
  private static Link.Held keysOf(Link link) throws EnvelopeException {
    try {
      return link.held();
    } catch (Link.KeysRefused e) {
      throw new EnvelopeException(FailureReason.UNKNOWN_KEY_ID, e.getMessage());
    }
  }

  private boolean isOther(ConnectionId owner, Link link) {
    return owner != null && !owner.equals(link.local) && links.containsKey(owner);
  }

  /** Opens a deposit with the keys of the connection whose deposit subject it arrived on. */
  @Override
  public Opener.Opened open(byte[] envelope, String destination) throws EnvelopeException {
    return open(envelope, destination, 0);
  }

  /**
   * Opens a deposit with the keys of its connection; a numbered delivery marks the connection's
   * sessions to be kept at the next {@link #checkpoint} of its destinations.
   */
  @Override
  public Opener.Opened open(byte[] envelope, String destination, long delivery) throws EnvelopeException {
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(destination, "destination");
    Link link = linkAt(destination);
    if (link == null) {
      Opener.checkWellFormed(envelope);
      throw new EnvelopeException(FailureReason.UNKNOWN_KEY_ID,
          "no connection deposits on " + destination + " (unknown or revoked; its keys are destroyed)");
    }
    try {
      Opener.Opened opened = link.opener.open(envelope, destination, delivery);
      if (link.identityUnheard) {
        java.util.function.Consumer<Link> h = heardFrom;
        if (h != null) {
          h.accept(link); // the peer holds the connection now: what waited for that can go
        }
      }
      return opened;
    } finally {
      if (delivery > 0) {
        // marked once the opener's state changed (on whichever thread opened it), so the next
        // checkpoint of these destinations keeps it
        touched.computeIfAbsent(destination.substring(0, destination.lastIndexOf('.') + 1),
            p -> ConcurrentHashMap.newKeySet()).add(link);
      }
    }
  }

  /** Told of a link whose peer was first heard from while {@link Link#identityUnheard} was set. */
  volatile java.util.function.Consumer<Link> heardFrom;

  /** The links that opened numbered deliveries since their destinations' last checkpoint, by prefix. */
  private final Map<String, Set<Link>> touched = new ConcurrentHashMap<>();
  /** The delivery each prefix's last checkpoint covered: released at the next one. */
  private final Map<String, Long> checkpointed = new ConcurrentHashMap<>();
  private volatile ConnectionStore keeper;

  /** Taken while a batch's or a snapshot's states are read and their write started: one order for both. */
  private final Object journal = new Object();
  /** Bytes written in batches since the last snapshot (under {@link #journal}). */
  private long journalBytes;
  /** The last snapshot's bytes (under {@link #journal}). */
  private long snapshotBytes;
  /** A snapshot is being written. */
  private final java.util.concurrent.atomic.AtomicBoolean compacting = new java.util.concurrent.atomic.AtomicBoolean();
  /** A snapshot was asked for while one was being written: another follows it. */
  private volatile boolean compactAgain;
  /**
   * The batches' bytes after which a snapshot replaces them: at least this, and at least twice the
   * last snapshot, so that writing snapshots costs at most about half of what the batches cost.
   */
  static final long MIN_COMPACT_BYTES = 4L << 20;
  private volatile long minCompactBytes = MIN_COMPACT_BYTES;
  /** Snapshots written (tests, figures). */
  private final java.util.concurrent.atomic.AtomicLong snapshots = new java.util.concurrent.atomic.AtomicLong();

  /** From now on, {@link #checkpoint} writes the sessions to this store. */
  void keepWith(ConnectionStore keeper) {
    this.keeper = keeper;
  }

  /** Sets the batches' bytes after which a snapshot is written (tests). */
  void compactAfter(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative");
    }
    this.minCompactBytes = bytes;
  }

  /** {@return how many snapshots of the opening sessions were written} */
  long snapshots() {
    return snapshots.get();
  }

  /**
   * Starts writing the opening sessions of every connection that opened a delivery at these
   * destinations since the last checkpoint, all in one batch; the deliveries may be acknowledged
   * once the future completes. The redeliverable sequences of deliveries the previous checkpoint
   * covered are released first (its acknowledgement was sent: the caller starts one checkpoint of a
   * prefix at a time, after the last one's acknowledgement). Once the batches written since the
   * last snapshot pass {@link #MIN_COMPACT_BYTES} (and twice that snapshot), a snapshot of every
   * connection's sessions replaces them, in the background.
   */
  @Override
  public java.util.concurrent.CompletableFuture<Void> checkpoint(String prefix, long through) {
    Objects.requireNonNull(prefix, "prefix");
    ConnectionStore k = keeper;
    Set<Link> dirty = touched.get(prefix);
    Long previous = checkpointed.get(prefix);
    if (k == null || dirty == null || dirty.isEmpty()) {
      if (k == null && dirty != null) {
        // nothing is kept, but what the last checkpoint's acknowledgement covered is released all
        // the same: without it each session held every sequence it opened (the soak found them)
        for (Link link : dirty) {
          if (dirty.remove(link) && previous != null) {
            link.opener.release(previous);
          }
        }
      }
      checkpointed.put(prefix, through);
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    // taken one by one: a link an opening marks again meanwhile (on another thread) stays marked
    List<Link> due = new java.util.ArrayList<>();
    for (Link link : dirty) {
      if (dirty.remove(link)) {
        due.add(link);
      }
    }
    List<Link> kept = new java.util.ArrayList<>(due.size());
    List<Long> versions = new java.util.ArrayList<>(due.size());
    java.util.concurrent.CompletableFuture<?> write;
    synchronized (journal) { // states read and written in one order with snapshots
      List<ConnectionStore.OpeningsOf> batch = new java.util.ArrayList<>(due.size());
      for (Link link : due) {
        if (previous != null) {
          link.opener.release(previous);
        }
        if (link.revoked || link.opener.version() == link.keptOpenings) {
          continue; // nothing new to keep
        }
        Opener.Snapshot snap = link.opener.snapshot();
        batch.add(new ConnectionStore.OpeningsOf(link.local, snap.state()));
        kept.add(link);
        versions.add(snap.version());
      }
      if (batch.isEmpty()) {
        write = java.util.concurrent.CompletableFuture.completedFuture(null);
      } else {
        ConnectionStore.Written w = k.saveOpenings(batch);
        journalBytes += w.bytes();
        write = w.stored();
      }
    }
    return write.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).handle((done, failed) -> {
      if (failed != null) {
        dirty.addAll(due); // written again at the next checkpoint
        throw new java.util.concurrent.CompletionException(new java.io.IOException("the sessions of "
            + due.size() + " connection(s) were not kept: " + failed.getClass().getSimpleName(), failed));
      }
      for (int i = 0; i < kept.size(); i++) {
        kept.get(i).keptOpenings = versions.get(i);
      }
      checkpointed.put(prefix, through);
      boolean full;
      synchronized (journal) {
        full = journalBytes >= Math.max(minCompactBytes, 2 * snapshotBytes);
      }
      if (full) {
        compactSoon();
      }
      return null;
    });
  }

  /**
   * Has a snapshot of every connection's opening sessions written in the background, replacing
   * the batches before it (after a revocation too, so that the revoked connection's sessions leave
   * the bucket).
   */
  void compactSoon() {
    if (keeper == null) {
      return;
    }
    if (!compacting.compareAndSet(false, true)) {
      compactAgain = true;
      return;
    }
    Thread t = new Thread(() -> {
      try {
        do {
          compactAgain = false;
          try {
            compact();
          } catch (Exception e) {
            LOG.warn("the opening sessions' snapshot was not written ({}); the batches stay, and it is tried again"
                + " after more of them", e.getClass().getSimpleName());
          }
        } while (compactAgain);
      } finally {
        compacting.set(false);
      }
    }, "vettid-sessions-snapshot");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Writes a snapshot of every connection's opening sessions, then removes what was written before
   * it.
   *
   * @return the stream sequence of the snapshot's first chunk
   */
  long compact() throws java.io.IOException, InterruptedException, java.util.concurrent.ExecutionException,
      java.util.concurrent.TimeoutException {
    ConnectionStore k = keeper;
    if (k == null) {
      throw new IllegalStateException("no store keeps the sessions");
    }
    ConnectionStore.SnapshotWritten w;
    long before;
    synchronized (journal) {
      List<ConnectionStore.OpeningsOf> all = new java.util.ArrayList<>(links.size());
      for (Link link : links.values()) {
        if (!link.revoked) {
          all.add(new ConnectionStore.OpeningsOf(link.local, link.opener.snapshot().state()));
        }
      }
      w = k.saveSnapshot(all);
      before = journalBytes;
      journalBytes = 0;
      snapshotBytes = w.bytes();
    }
    long firstChunk;
    try {
      firstChunk = w.stored().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      synchronized (journal) {
        journalBytes += before; // the batches stay
      }
      throw e;
    }
    k.dropSessionsBefore(firstChunk);
    snapshots.incrementAndGet();
    return firstChunk;
  }

  /**
   * The connection a deposit subject belongs to: the one whose own deposit subject it is, or one
   * added without a deposit subject of its own whose id is the subject's last token.
   */
  private Link linkAt(String destination) {
    Link link = byDeposit.get(destination);
    if (link != null) {
      return link;
    }
    String last = destination.substring(destination.lastIndexOf('.') + 1);
    try {
      link = links.get(ConnectionId.of(last));
    } catch (IllegalArgumentException notAnId) {
      return null;
    }
    return link != null && link.ownDeposit == null ? link : null;
  }
}
