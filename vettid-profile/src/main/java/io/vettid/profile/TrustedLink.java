package io.vettid.profile;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * A link the owner vouches for (like an entry of a link tree): a label and an {@code https}
 * URI.
 *
 * @param label what it is, 1-64 printable characters
 * @param uri where it points; {@code https} only
 */
public record TrustedLink(String label, URI uri) {
  /**
   * Validates.
   *
   * @param label the record component {@code label}
   * @param uri the record component {@code uri}
   * @throws IllegalArgumentException if the label is empty, too long or holds control characters,
   *     or the URI is not absolute {@code https}
   */
  public TrustedLink {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(uri, "uri");
    Profile.requireText("link label", label, 64);
    if (!uri.isAbsolute() || !"https".equals(uri.getScheme().toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
      throw new IllegalArgumentException("link '" + label + "' must be an absolute https URI");
    }
    if (uri.toString().length() > 512) {
      throw new IllegalArgumentException("link '" + label + "' is longer than 512 characters");
    }
  }
}
