package io.vettid.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vettid.micrometer.VettIdMetrics;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The vault daemon's metrics for Prometheus ({@code server start --metrics 127.0.0.1:PORT}): {@code
 * GET /metrics} answers the runtime's counters by outcome and failure reason and its event latency
 * histogram ({@link VettIdMetrics}) in the Prometheus text format. It listens on a loopback address
 * only, without TLS or authentication (it is for the owner's own machine: counts, never content,
 * eventIds or connections); any other address is refused.
 */
final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService thread;
  private final VettIdMetrics metrics;
  private final PrometheusMeterRegistry registry;

  private MetricsEndpoint(HttpServer server, ExecutorService thread, VettIdMetrics metrics,
      PrometheusMeterRegistry registry) {
    this.server = server;
    this.thread = thread;
    this.metrics = metrics;
    this.registry = registry;
  }

  /**
   * Starts serving a runtime's metrics.
   *
   * @param address {@code HOST:PORT}, the host a loopback address ({@code 127.0.0.1}, {@code
   *     localhost}, {@code [::1]}); port 0 picks a free one
   * @param counters the runtime's counters
   * @return the running endpoint
   * @throws IllegalArgumentException if the address is not {@code HOST:PORT} on a loopback host
   * @throws IOException if the port cannot be bound
   */
  static MetricsEndpoint start(String address, RuntimeCounters counters) throws IOException {
    Objects.requireNonNull(counters, "counters");
    InetSocketAddress bind = loopback(Objects.requireNonNull(address, "address"));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    VettIdMetrics metrics = new VettIdMetrics(counters);
    metrics.bindTo(registry);
    HttpServer server;
    try {
      server = HttpServer.create(bind, 16);
    } catch (IOException e) {
      metrics.close();
      registry.close();
      throw new IOException("--metrics " + address + " cannot be bound: " + e.getMessage(), e);
    }
    ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "vettid-metrics");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(thread);
    server.createContext("/", exchange -> answer(exchange, registry));
    server.start();
    return new MetricsEndpoint(server, thread, metrics, registry);
  }

  private static void answer(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/metrics")) {
        send(exchange, 404, "only /metrics is here\n");
      } else if (!exchange.getRequestMethod().equals("GET")) {
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, "GET only\n");
      } else {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        send(exchange, 200, registry.scrape());
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, b.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(b);
    }
  }

  /** Parses {@code HOST:PORT} and refuses any host that is not a loopback address. */
  static InetSocketAddress loopback(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("--metrics takes HOST:PORT, such as 127.0.0.1:9464; got '" + address + "'");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--metrics: '" + address.substring(colon + 1) + "' is not a port");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--metrics: port " + port + " is not 0-65535");
    }
    InetAddress ip;
    try {
      ip = InetAddress.getByName(host);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("--metrics: host '" + host + "' is unknown");
    }
    if (!ip.isLoopbackAddress()) {
      throw new IllegalArgumentException("--metrics listens on a loopback address only (such as 127.0.0.1), not "
          + host + ": the endpoint has no TLS and no authentication");
    }
    return new InetSocketAddress(ip, port);
  }

  /** {@return the port it listens on} */
  int port() {
    return server.getAddress().getPort();
  }

  /** {@return the URL of its metrics} */
  String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress() instanceof java.net.Inet6Address ? "[" + a.getAddress().getHostAddress() + "]"
        : a.getAddress().getHostAddress();
    return "http://" + host + ":" + a.getPort() + "/metrics";
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
    metrics.close();
    registry.close();
  }
}
