package io.vettid.rules;

import io.vettid.api.ConnectionId;
import io.vettid.api.InternalEvent;
import java.util.Optional;

/** The javadoc's examples, compiled as they read (DocumentationExamplesTest in vettid-runtime). */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  static void peerDirectory(String json, ConnectionId bobsConnection, String bobsIdentityKeyId)
      throws RuleValidationException {
    // example: PeerDirectory
    PeerDirectory peers = c -> c.equals(bobsConnection)
        ? Optional.of(new PeerDirectory.Peer("Bob", bobsIdentityKeyId)) : Optional.empty();
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(json).withPeers(peers);
    // end
  }

  static void ruleExplanation(DeclarativeRuleEngine engine, InternalEvent event) {
    // example: RuleExplanation
    RuleExplanation why = engine.explain(event);
    why.steps().forEach(s -> System.out.println(s.ruleId() + ": " + s.reason()));
    System.out.println("=> " + why.decision());
    // end
  }
}
