package io.vettid.runtime.internal.handlers;

import io.vettid.api.spi.EventHandlerFactory;
import java.time.Duration;

/** What the built-in handlers share: they only read, decide and reply, so 5 seconds is plenty. */
abstract class BuiltInHandler implements EventHandlerFactory {
  /** {@return 5 seconds} */
  @Override
  public final Duration timeout() {
    return Duration.ofSeconds(5);
  }
}
