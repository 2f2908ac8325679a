package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a poller with work in flight waits for the next message: only while messages come close together. */
class PollingLoopArrivalsTest {
  private static final long WINDOW = PollingLoop.NEXT_OR_SETTLE.toNanos();

  @Test
  void aFirstMessageIsSettledAtOnce() {
    PollingLoop.Arrivals a = new PollingLoop.Arrivals();
    assertThat(a.nextOrSettle()).isNull();
    a.arrived(1_000_000);
    assertThat(a.nextOrSettle()).isNull();
  }

  @Test
  void messagesCloseTogetherWaitForTheNext() {
    PollingLoop.Arrivals a = new PollingLoop.Arrivals();
    a.arrived(1_000_000);
    a.arrived(1_000_000 + WINDOW);
    assertThat(a.nextOrSettle()).isEqualTo(PollingLoop.NEXT_OR_SETTLE);
    a.arrived(1_000_000 + WINDOW + 10_000);
    assertThat(a.nextOrSettle()).isEqualTo(PollingLoop.NEXT_OR_SETTLE);
  }

  @Test
  void aMessageThatCameAloneIsSettledAtOnce() {
    PollingLoop.Arrivals a = new PollingLoop.Arrivals();
    a.arrived(1_000_000);
    a.arrived(1_000_010);
    // at 1,000 events/s the next comes a millisecond later: no wait
    a.arrived(1_000_010 + WINDOW + 1);
    assertThat(a.nextOrSettle()).isNull();
    a.arrived(1_000_010 + WINDOW + 1 + 1_000_000);
    assertThat(a.nextOrSettle()).isNull();
  }

  @Test
  void timesFromNanoTimeMayBeNegative() {
    // System.nanoTime may be negative; only differences count
    PollingLoop.Arrivals a = new PollingLoop.Arrivals();
    a.arrived(-5_000);
    a.arrived(-4_000);
    assertThat(a.nextOrSettle()).isEqualTo(PollingLoop.NEXT_OR_SETTLE);
  }

  @Test
  void theWaitAfterFailuresDoublesFrom250MillisecondsTo5Seconds() {
    assertThat(PollingLoop.retryWaitNanos(1)).isEqualTo(250_000_000L);
    assertThat(PollingLoop.retryWaitNanos(2)).isEqualTo(500_000_000L);
    assertThat(PollingLoop.retryWaitNanos(5)).isEqualTo(4_000_000_000L);
    assertThat(PollingLoop.retryWaitNanos(6)).isEqualTo(5_000_000_000L);
    assertThat(PollingLoop.retryWaitNanos(Integer.MAX_VALUE)).isEqualTo(5_000_000_000L);
  }
}
