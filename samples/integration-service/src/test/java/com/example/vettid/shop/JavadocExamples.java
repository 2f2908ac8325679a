package com.example.vettid.shop;

import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.PeerConnector;

/**
 * The javadoc examples of this sample, compiled with its tests (never run): each stands between a
 * line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that class
 * shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  void shopService(VaultAccounts accounts, Options.Builder serverOptions, Suite suite,
      PeerConnector connector, String uri, byte[] confirmation) throws Exception {
    // example: ShopService
    try (ShopService shop = ShopService.start(accounts, serverOptions, suite, connector)) {
      byte[] acceptance = shop.accept(Invitation.parse(uri));     // send it to the person
      ConnectionId customer = shop.complete(confirmation);          // from the person
    }
    // end
  }
}
