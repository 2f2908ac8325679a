package io.vettid.benchmarks;

import io.vettid.api.ConnectionId;
import io.vettid.runtime.connection.Connections;
import java.util.List;

/** The two sides of a benchmark vault: its connections and a sender holding the peers' ends. */
record Sides(Connections vault, java.util.concurrent.atomic.AtomicReference<Connections> senderRef,
    List<ConnectionId> senderIds) {
  Connections sender() {
    return senderRef.get();
  }
}
