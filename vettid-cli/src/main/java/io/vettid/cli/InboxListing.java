package io.vettid.cli;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.InboxEndpoints;
import java.io.PrintStream;

/** Lists the held events: {@code vettid inbox} and {@code vettid inbox list}. */
abstract class InboxListing extends VaultRequest<ControlEndpoint.None, InboxEndpoints.Listed> {
  InboxListing() {
    super(InboxEndpoints.LIST);
  }

  @Override
  ControlEndpoint.None request() {
    return new ControlEndpoint.None();
  }

  @Override
  void print(InboxEndpoints.Listed a, PrintStream out) {
    if (a.held().isEmpty()) {
      out.println("nothing waits for your approval");
    }
    a.held().forEach(h -> out.println(h.id() + "  " + h.type() + " from " + h.from() + "  (rule " + h.rule() + ", "
        + h.heldAt() + (h.approved() ? ", approved" : "") + ")"));
  }
}
