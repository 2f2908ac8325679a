package io.vettid.profile;

import io.vettid.api.EventType;
import io.vettid.api.spi.KeyAlgorithm;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import io.vettid.api.KeyId;

/**
 * The javadoc examples of vettid-profile, compiled with its tests (never run): each stands between
 * a line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that
 * class shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  void trustedResource(byte[] downloadedBytes) throws Exception {
    // example: TrustedResource
    TrustedResource r = new TrustedResource("contact-handler", "1.2.0",
        URI.create("https://example.org/contact-handler-1.2.0.jar"),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    byte[] verified = r.verify(downloadedBytes);   // throws unless the hash matches
    // end
  }

  void profile(KeyAlgorithm algorithm, KeyPair identityKey, SecureRandom random) throws Exception {
    // example: Profile
    Profile p = Profile.builder("home", Profile.Owner.of("Alice", algorithm, identityKey.getPublic())
            .ageOver(18).location("Berlin area"))
        .share("email", "alice@example.org")
        .eventType(EventType.of("chat.message"))
        .build();
    SignedProfile signed = SignedProfile.sign(p, algorithm, identityKey.getPrivate(), random);
    // end
  }

  void identityChain(KeyAlgorithm algorithm, KeyPair oldKeys, KeyPair newKeys, SecureRandom random,
      io.vettid.api.KeyId pinned, java.util.function.Function<String, java.util.Optional<KeyAlgorithm>> algorithms)
      throws Exception {
    // example: IdentityChain
    IdentityChain chain = IdentityChain.EMPTY.rotate(algorithm, oldKeys, algorithm, newKeys, Instant.now(), random);
    KeyId now = IdentityChain.parse(chain.bytes()).verify(pinned, algorithms);   // at the peer
    // end
  }
}
