package io.vettid.api.spi;

/**
 * A service provider could not be chosen: none was found, several were found where one was
 * expected, two share a name, or one failed to load. The message says which and what to do.
 */
public final class ProviderLookupException extends IllegalStateException {
  @java.io.Serial private static final long serialVersionUID = 1L;

  ProviderLookupException(String message) {
    super(message);
  }

  ProviderLookupException(String message, Throwable cause) {
    super(message, cause);
  }
}
