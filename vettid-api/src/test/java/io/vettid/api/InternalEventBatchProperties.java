package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The batch framing: round trips, and random or mutated input gets a clear error, never a crash. */
class InternalEventBatchProperties {
  @Provide
  Arbitrary<List<byte[]>> batches() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300).list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 1000)
  void encodedBatchesDecodeToTheSameEventsInOrder(@ForAll("batches") List<byte[]> events) throws Exception {
    byte[] batch = InternalEventBatch.encode(events);

    List<byte[]> back = InternalEventBatch.decode(batch);
    assertThat(back).hasSameSizeAs(events);
    for (int i = 0; i < events.size(); i++) {
      assertThat(back.get(i)).as("event %d", i).isEqualTo(events.get(i));
    }
    assertThat((long) batch.length).isEqualTo(InternalEventBatch.encodedSize(
        events.stream().mapToLong(e -> e.length).sum(), events.size()));
  }

  @Property(tries = 2000)
  void randomBytesAreRejectedWithAnInvalidEventException(@ForAll @Size(max = 400) byte[] bytes) {
    decodeOrReject(bytes);
  }

  @Property(tries = 3000)
  void mutatedBatchesAreEitherWellFramedOrRejected(@ForAll("batches") List<byte[]> events,
      @ForAll @IntRange(min = 0, max = 100_000) int where, @ForAll byte value,
      @ForAll @IntRange(min = 0, max = 3) int how) {
    byte[] batch = InternalEventBatch.encode(events);
    int at = where % batch.length;
    byte[] mutated = switch (how) {
      case 0 -> { // one byte changed
        byte[] m = batch.clone();
        m[at] = value;
        yield m;
      }
      case 1 -> Arrays.copyOf(batch, at); // truncated
      case 2 -> { // one byte more somewhere
        byte[] m = new byte[batch.length + 1];
        System.arraycopy(batch, 0, m, 0, at);
        m[at] = value;
        System.arraycopy(batch, at, m, at + 1, batch.length - at);
        yield m;
      }
      default -> { // one byte less
        byte[] m = new byte[batch.length - 1];
        System.arraycopy(batch, 0, m, 0, at);
        System.arraycopy(batch, at + 1, m, at, batch.length - at - 1);
        yield m;
      }
    };
    List<byte[]> back = decodeOrReject(mutated);
    if (back != null) {
      // a mutation that still frames correctly accounts for every byte
      long sum = back.stream().mapToLong(e -> e.length).sum();
      assertThat(InternalEventBatch.encodedSize(sum, back.size())).isEqualTo(mutated.length);
    }
    if (how == 1 || how == 3) {
      assertThat(back == null || !sameEvents(back, events)).as("a shortened batch is never accepted as the original")
          .isTrue();
    }
  }

  @Test
  void framingErrorsNameWhatIsWrong() {
    assertThatThrownBy(() -> InternalEventBatch.decode("{\"type\":1}".getBytes()))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("magic");
    byte[] ok = InternalEventBatch.encode(List.of(new byte[] {1, 2, 3}, new byte[] {4}));
    assertThatThrownBy(() -> InternalEventBatch.decode(Arrays.copyOf(ok, ok.length - 1)))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("event 2 of the batch is truncated");
    assertThatThrownBy(() -> InternalEventBatch.decode(Arrays.copyOf(ok, ok.length + 2)))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("2 bytes follow");
    byte[] zero = ByteBuffer.allocate(6).put(new byte[] {'V', 'E', 'B', '1'}).putShort((short) 0).array();
    assertThatThrownBy(() -> InternalEventBatch.decode(zero))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("says 0");
    assertThatThrownBy(() -> InternalEventBatch.decode(null)).isInstanceOf(InvalidEventException.class);
  }

  @Test
  void encodeValidatesItsArguments() {
    assertThatThrownBy(() -> InternalEventBatch.encode(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InternalEventBatch.encode(List.of(new byte[0])))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    List<byte[]> many = new ArrayList<>();
    for (int i = 0; i <= InternalEventBatch.MAX_EVENTS; i++) {
      many.add(new byte[] {1});
    }
    assertThatThrownBy(() -> InternalEventBatch.encode(many)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InternalEventBatch.encode(List.of(new byte[600_000], new byte[600_000])))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most");
    assertThatThrownBy(() -> InternalEventBatch.encode(null)).isInstanceOf(NullPointerException.class);
  }

  private static boolean sameEvents(List<byte[]> a, List<byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<byte[]> decodeOrReject(byte[] bytes) {
    try {
      return InternalEventBatch.decode(bytes);
    } catch (InvalidEventException e) {
      assertThat(e.getMessage()).isNotBlank();
      return null;
    }
  }
}
