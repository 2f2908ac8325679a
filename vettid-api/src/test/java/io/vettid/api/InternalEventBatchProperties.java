package io.vettid.api;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The batch framing: round trips, and random or mutated input gets a clear error, never a crash. */
class InternalEventBatchProperties {
  private static Gen<List<byte[]>> batches() {
    return lists(bytes(1, 300), 1, 40)
        .describedAs(l -> l.stream().map(Arrays::toString).collect(Collectors.joining(", ", "[", "]")));
  }

  @Test
  void encodedBatchesDecodeToTheSameEventsInOrder() {
    tries(1000).forAll(batches()).checkAssert((events -> roundTrip(events)));
  }

  private static void roundTrip(List<byte[]> events) throws InvalidEventException {
    byte[] batch = InternalEventBatch.encode(events);

    List<byte[]> back = InternalEventBatch.decode(batch);
    assertThat(back).hasSameSizeAs(events);
    for (int i = 0; i < events.size(); i++) {
      assertThat(back.get(i)).as("event %d", i).isEqualTo(events.get(i));
    }
    assertThat((long) batch.length).isEqualTo(InternalEventBatch.encodedSize(
        events.stream().mapToLong(e -> e.length).sum(), events.size()));
  }

  @Test
  void randomBytesAreRejectedWithAnInvalidEventException() {
    tries(2000).forAll(bytes(0, 400)).checkAssert(bytes -> decodeOrReject(bytes));
  }

  @Test
  void mutatedBatchesAreEitherWellFramedOrRejected() {
    tries(3000).forAll(batches(), ints(0, 100_000), anyByte(), ints(0, 3)).checkAssert(this::mutated);
  }

  private void mutated(List<byte[]> events, int where, byte value, int how) {
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
