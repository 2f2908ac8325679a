package io.vettid.runtime.service;

import io.nats.client.Message;
import io.vettid.api.VettidException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The deposits an Event Watcher opens off its own thread: a key block costs a private-key operation
 * (8-11 ms with RSA-4096), so it is opened on a pool of one thread per core, shared by every
 * watcher, while the watcher goes on with the events of sessions already open. The deposits of one
 * destination (one connection) are opened one after the other and come back in delivery order;
 * those of different destinations in parallel, in whatever order they finish. Used by the
 * watcher's polling thread only.
 */
final class ParallelOpenings {
  /** One thread per core, daemon, shared by the watchers of every EventSpace. */
  private static final ExecutorService POOL = Executors.newFixedThreadPool(
      Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
        Thread t = new Thread(r, "vettid-session-opening");
        t.setDaemon(true);
        return t;
      });

  /**
   * What opening a deposit came to: its checked Internal Event, or the reason it was refused, or a
   * failure that is not the deposit's (it is given back).
   *
   * @param plaintext the checked event, or null
   * @param refused why the deposit was refused, or null
   * @param failed what went wrong otherwise, or null
   */
  record Outcome(byte[] plaintext, VettidException refused, RuntimeException failed) {}

  /** Opens one deposit; runs on the pool. */
  @FunctionalInterface
  interface Open {
    Outcome open(Message m);
  }

  /**
   * A deposit being opened.
   *
   * @param m the deposit
   * @param result its outcome, once opened
   */
  record Pending(Message m, CompletableFuture<Outcome> result) {}

  private final Map<String, ArrayDeque<Pending>> byDestination = new LinkedHashMap<>();
  private final Open open;
  private int size;

  ParallelOpenings(Open open) {
    this.open = open;
  }

  /**
   * Whether a deposit is opened on the pool: it carries a key block (flags bit 0 of the envelope,
   * PROTOCOL §3.2), or a deposit of its destination is still there (order within a connection).
   */
  boolean deferred(String destination, byte[] envelope) {
    return byDestination.containsKey(destination) || (envelope != null && envelope.length > 4 && (envelope[4] & 1) != 0);
  }

  /** Starts opening a deposit, after those of its destination already here. */
  void submit(String destination, Message m) {
    ArrayDeque<Pending> q = byDestination.computeIfAbsent(destination, d -> new ArrayDeque<>());
    CompletableFuture<?> before = q.isEmpty() ? CompletableFuture.completedFuture(null) : q.peekLast().result();
    CompletableFuture<Outcome> result = before.handle((x, e) -> null)
        .thenApplyAsync(x -> openSafely(m), POOL);
    q.addLast(new Pending(m, result));
    size++;
  }

  private Outcome openSafely(Message m) {
    try {
      return open.open(m);
    } catch (RuntimeException e) {
      return new Outcome(null, null, e);
    }
  }

  /** {@return the deposits opened, each destination's in delivery order; they leave this queue} */
  List<Pending> ready() {
    if (size == 0) {
      return List.of();
    }
    List<Pending> out = new ArrayList<>();
    for (Iterator<ArrayDeque<Pending>> it = byDestination.values().iterator(); it.hasNext();) {
      ArrayDeque<Pending> q = it.next();
      while (!q.isEmpty() && q.peekFirst().result().isDone()) {
        out.add(q.removeFirst());
        size--;
      }
      if (q.isEmpty()) {
        it.remove();
      }
    }
    return out;
  }

  /** {@return whether no deposit is being opened} */
  boolean isEmpty() {
    return size == 0;
  }

  /** {@return how many deposits are being opened} */
  int size() {
    return size;
  }

  /**
   * Waits until one of the deposits at the head of a destination is opened, or the time is up.
   *
   * @param wait the longest wait
   */
  void awaitOne(Duration wait) throws InterruptedException {
    if (size == 0) {
      return;
    }
    CompletableFuture<?>[] heads = byDestination.values().stream().map(q -> q.peekFirst().result())
        .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.anyOf(heads).get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // a failed opening is an outcome (openSafely); otherwise the time is up
    }
  }
}
