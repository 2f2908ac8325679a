package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.runtime.service.RuntimeCounters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  @Test
  void onlyALoopbackHostAndAPortAreTaken() {
    for (String bad : new String[] {"0.0.0.0:9464", "192.168.1.10:9464", "[::]:9464", "10.0.0.1:0"}) {
      assertThatThrownBy(() -> MetricsEndpoint.loopback(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("loopback address only");
    }
    for (String bad : new String[] {"9464", ":9464", "127.0.0.1:", "127.0.0.1:port", "127.0.0.1:70000"}) {
      assertThatThrownBy(() -> MetricsEndpoint.loopback(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--metrics");
    }
    assertThat(MetricsEndpoint.loopback("127.0.0.1:9464").getPort()).isEqualTo(9464);
    assertThat(MetricsEndpoint.loopback("[::1]:0").getAddress().isLoopbackAddress()).isTrue();
    assertThat(MetricsEndpoint.loopback("localhost:0").getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void getMetricsAnswersThePrometheusTextAndNothingElseIsServed() throws Exception {
    try (MetricsEndpoint m = MetricsEndpoint.start("127.0.0.1:0", new RuntimeCounters())) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(m.url())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(ok.body()).contains("vettid_events_total{outcome=\"handled\"} 0.0",
          "vettid_events_quarantined_total{reason=\"BAD_SIGNATURE\"} 0.0", "vettid_event_latency_seconds_count 0");
      HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(m.url().replace("/metrics", "/admin")))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).isEqualTo(404);
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(m.url()))
          .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }
}
