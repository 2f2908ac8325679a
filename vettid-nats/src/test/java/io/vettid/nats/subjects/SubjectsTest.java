package io.vettid.nats.subjects;

import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Gens.strings;
import static io.vettid.proptest.Props.tries;
import io.vettid.proptest.Gens;
import org.quicktheories.core.Gen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.ConnectionId;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubjectsTest {

  @Test
  void keyValueSubjectsNameTheBucketAndRefuseBadKeys() {
    assertThat(Subjects.keyValue("EventHandlers", "Manager.r.7d9a2c40.ev-1"))
        .isEqualTo("$KV.EventHandlers.Manager.r.7d9a2c40.ev-1");
    assertThat(Subjects.keyValue("Vault", "rules/a=b_c")).isEqualTo("$KV.Vault.rules/a=b_c");
    for (String bad : List.of("", ".a", "a.", "a b", "a*", "a>", "a\nb", "x".repeat(256))) {
      assertThatThrownBy(() -> Subjects.keyValue("Vault", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Subjects.keyValue("vault", "a")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Subjects.keyValue("Vault", null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aKeyValueSubjectIsTheKeyOrARefusal() {
    tries(3000).forAll(oneOf(anyChars(40), strings("ab.-_=/*> \t", 0, 12))).checkAssert(key -> {
      String subject;
      try {
        subject = Subjects.keyValue("Vault", key);
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).contains("is not a valid key");
        return;
      }
      assertThat(subject).isEqualTo("$KV.Vault." + key);
      assertThat(key).matches("[-/_=.A-Za-z0-9]+").doesNotStartWith(".").doesNotEndWith(".");
    });
  }

  @Test
  void buildsTheNamesOfTheDesignNotes() {
    ConnectionId c = ConnectionId.of("7d9a2c40");

    assertThat(Subjects.DATA_VAULT_QUEUE.value()).isEqualTo("DataVault.Queue");
    assertThat(Subjects.DATA_VAULT_QUEUE.scope()).isEqualTo(Subject.Scope.INTERNAL);
    assertThat(Subjects.deposit("3f7a9c", "home", c).value()).isEqualTo("subscriber.3f7a9c.home.queue.7d9a2c40");
    assertThat(Subjects.deposit("3f7a9c", "home", c).scope()).isEqualTo(Subject.Scope.EXTERNAL);
    assertThat(Subjects.depositsOf("3f7a9c", "home")).isEqualTo("subscriber.3f7a9c.home.queue.*");
    assertThat(Subjects.profile("3f7a9c", "home", c).value()).isEqualTo("subscriber.3f7a9c.home.profile.7d9a2c40");
    assertThat(Subjects.profilesOf("3f7a9c", "home")).isEqualTo("subscriber.3f7a9c.home.profile.*");
    assertThat(Subjects.depositsOfSubscriber("3f7a9c")).isEqualTo("subscriber.3f7a9c.*.queue.*");
    assertThat(Subjects.profilesOfSubscriber("3f7a9c")).isEqualTo("subscriber.3f7a9c.*.profile.*");
    assertThat(Subjects.inboxesOfSubscriber("3f7a9c")).isEqualTo("subscriber.3f7a9c.*.inbox.*.>");
    assertThat(Subjects.controlInbox("t0k3n").value()).isEqualTo("Manager.ControlInbox.t0k3n");
    assertThat(Subjects.controlEndpoint("rules", "add").value()).isEqualTo("Manager.Control.rules.add");
    assertThat(Subjects.controlEndpoint("rules", "add").scope()).isEqualTo(Subject.Scope.INTERNAL);
    assertThatThrownBy(() -> Subjects.controlEndpoint("rules", "*")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Subjects.controlEndpoint("Rules", "add")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Subjects.depositStream("3f7a9c", "home")).isEqualTo("EventSpace_3f7a9c_home");
    assertThat(Subjects.consumer("Watcher", "home")).isEqualTo("Watcher_home");
    assertThat(Subjects.internal("EventHandlers", "contact-request", "state").value())
        .isEqualTo("EventHandlers.contact-request.state");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dataVault.Queue", "DataVault.*", "DataVault.>", "Data Vault.Queue", "DataVault..Queue",
      "DataVault.", ".DataVault", "", "Data\tVault", "DataVault.Queue\n"})
  void rejectsInternalSubjectsThatBreakTheRule(String subject) {
    assertThatThrownBy(() -> new Subject(subject, Subject.Scope.INTERNAL))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Subscriber.g.home", "subscriber.G1.home", "subscriber.g.*", "subscriber.g.>",
      "subscriber..home", "subscriber.g.home space", "subscriber.g.home."})
  void rejectsExternalSubjectsThatBreakTheRule(String subject) {
    assertThatThrownBy(() -> new Subject(subject, Subject.Scope.EXTERNAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("external");
  }

  @Test
  void rejectsDotsInsideIds() {
    assertThatThrownBy(() -> Subjects.deposit("a.a", "home", ConnectionId.of("c1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a.a'");
    assertThatThrownBy(() -> Subjects.profile("g", "home.queue", ConnectionId.of("c1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'home.queue'");
    assertThatThrownBy(() -> Subjects.internal("EventHandlers", "a.b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a.b'");
  }

  @Test
  void errorsNameTheBadToken() {
    assertThatThrownBy(() -> Subjects.deposit("3F7A9C", "home", ConnectionId.of("c1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'3F7A9C'").hasMessageContaining("lowercase");
    assertThatThrownBy(() -> Subjects.depositStream("g", "my.space"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'my.space'");
    assertThatThrownBy(() -> Subjects.name("dataVault"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Capitalized");
    assertThatThrownBy(() -> Subjects.consumer("Manager", "a.b")).isInstanceOf(IllegalArgumentException.class);
  }

  /** Every name constant of the project lives in Subjects; each one obeys the rule for its scope. */
  @Test
  void everyNameTheProjectCreatesFollowsTheRule() throws Exception {
    List<String> checked = new ArrayList<>();
    for (Field f : Subjects.class.getDeclaredFields()) {
      if (!Modifier.isPublic(f.getModifiers()) || !Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      Object value = f.get(null);
      if (value instanceof Subject s) {
        assertThat(new Subject(s.value(), s.scope())).isEqualTo(s);
        if (s.scope() == Subject.Scope.INTERNAL) {
          assertThat(Character.isUpperCase(s.value().charAt(0))).as(f.getName()).isTrue();
        }
        checked.add(s.value());
      } else if (value instanceof String name) {
        assertThat(Subjects.name(name)).as(f.getName()).isEqualTo(name);
        checked.add(name);
      } else if (value instanceof List<?> names) {
        for (Object n : names) {
          assertThat(Subjects.name((String) n)).as(f.getName()).isEqualTo(n);
          checked.add((String) n);
        }
      }
    }
    String deposit = Subjects.deposit("g1", "home", ConnectionId.of("c1")).value();
    assertThat(deposit).isEqualTo(deposit.toLowerCase(java.util.Locale.ROOT));
    assertThat(Subjects.appQueues()).isEqualTo("AppManager.Queue.*");
    assertThat(Subjects.controlEndpoints()).isEqualTo("Manager.Control.>");
    assertThat(Subjects.serviceDiscovery()).isEqualTo("$SRV.>");
    assertThat(Subjects.appQueue("a1").value()).startsWith("AppManager.Queue.");
    assertThatThrownBy(() -> Subjects.appQueue("a.b")).isInstanceOf(IllegalArgumentException.class);
    assertThat(checked).contains("DataVault.Queue", "DataVault.Quarantine", "DataVault", "Quarantine",
        "Manager", "Vault", "Connections", "Profiles", "EventHandlers", "Files");
  }

  private static Gen<String> tokens() {
    return oneOf(
        anyChars(70),
        strings("aZ09_-.*> \t", 0, 10),
        strings(Gens.ALPHANUMERIC, 1, 10));
  }

  @Test
  void anyTokenIsEitherSafeOrRejectedWithAClearError() {
    tries(3000).forAll(tokens(), tokens()).checkAssert(this::anyTokenIsEitherSafeOrRejectedWithAClearErrorCheck);
  }

  private void anyTokenIsEitherSafeOrRejectedWithAClearErrorCheck(String guid, String space) {
    try {
      Subject s = Subjects.deposit(guid, space, ConnectionId.of("c1"));
      assertThat(s.value()).isEqualTo(s.value().toLowerCase(java.util.Locale.ROOT));
      assertThat(s.value()).doesNotContain("*", ">", " ", "\t", "..");
      assertThat(s.value().split("\\.", -1)).hasSize(5).allMatch(t -> !t.isEmpty());
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("not a valid");
    }
  }

  @Test
  void anyInternalSubjectIsEitherCapitalizedAndSafeOrRejected() {
    tries(3000).forAll(tokens(), tokens()).checkAssert(this::anyInternalSubjectIsEitherCapitalizedAndSafeOrRejectedCheck);
  }

  private void anyInternalSubjectIsEitherCapitalizedAndSafeOrRejectedCheck(String first, String second) {
    try {
      Subject s = Subjects.internal(first, second);
      assertThat(Character.isUpperCase(s.value().charAt(0))).isTrue();
      assertThat(s.value()).doesNotContain("*", ">", " ", "\t", "..");
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("not a valid");
    }
  }
}
