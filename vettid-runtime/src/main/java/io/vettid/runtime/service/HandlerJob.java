package io.vettid.runtime.service;

import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandlerFactory;
import java.util.concurrent.CompletableFuture;

/** An event on its way to its handler: what was decided for it, and the handler's completion. */
final class HandlerJob {
  final Delivery m;
  final byte[] data;
  final InternalEvent event;
  final String key;
  final String approved;
  final EventHandlerFactory factory;
  final HandledOnceRecord rec;
  HandlerRunner.Live live;
  final CompletableFuture<Void> done = new CompletableFuture<>();

  HandlerJob(Delivery m, byte[] data, InternalEvent event, String key, String approved, EventHandlerFactory factory,
      HandledOnceRecord rec) {
    this.m = m;
    this.data = data;
    this.event = event;
    this.key = key;
    this.approved = approved;
    this.factory = factory;
    this.rec = rec;
  }
}
