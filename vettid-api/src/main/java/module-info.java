/**
 * VettID API: the vocabulary every other VettID module speaks, and the service-provider
 * interfaces a third party implements.
 *
 * <ul>
 *   <li>{@link io.vettid.api} — immutable values: {@link io.vettid.api.KeyId},
 *       {@link io.vettid.api.EventType}, {@link io.vettid.api.EventId},
 *       {@link io.vettid.api.ConnectionId}, {@link io.vettid.api.InternalEvent},
 *       {@link io.vettid.api.ExternalEvent}, {@link io.vettid.api.Decision}, and the strict
 *       {@link io.vettid.api.InternalEventCodec}.</li>
 *   <li>{@link io.vettid.api.spi} — {@link io.vettid.api.spi.KeyAlgorithm},
 *       {@link io.vettid.api.spi.EventHandlerFactory}, {@link io.vettid.api.spi.RuleEngineProvider},
 *       {@link io.vettid.api.spi.SuiteDefinition},
 *       found with {@link java.util.ServiceLoader} through {@link io.vettid.api.spi.Providers}.</li>
 * </ul>
 */
module io.vettid.api {
  requires transitive com.fasterxml.jackson.databind;

  exports io.vettid.api;
  exports io.vettid.api.spi;

  uses io.vettid.api.spi.KeyAlgorithm;
  uses io.vettid.api.spi.EventHandlerFactory;
  uses io.vettid.api.spi.RuleEngineProvider;
  uses io.vettid.api.spi.SuiteDefinition;
}
