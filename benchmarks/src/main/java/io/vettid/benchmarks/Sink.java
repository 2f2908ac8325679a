package io.vettid.benchmarks;

import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import java.util.Set;

/** A handler that finishes at once: the pipeline's own cost is what is measured. */
final class Sink implements EventHandlerFactory {
  @Override
  public String name() {
    return "bench";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(PipelineBenchmark.TYPE);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> ctx.finish();
  }
}
