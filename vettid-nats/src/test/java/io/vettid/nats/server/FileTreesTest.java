package io.vettid.nats.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir Path tmp;

  @Test
  void aNestedTreeIsDeletedWhole() throws IOException {
    Path root = tmp.resolve("store");
    Files.createDirectories(root.resolve("jetstream/ACC/streams/S"));
    Files.writeString(root.resolve("jetstream/ACC/streams/S/1.blk"), "x");
    Files.writeString(root.resolve("top.conf"), "y");
    FileTrees.delete(root);
    assertFalse(Files.exists(root));
    assertTrue(Files.exists(tmp), "only the tree named is deleted");
  }

  @Test
  void aLinkIsDeletedNotFollowed() throws IOException {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path kept = Files.writeString(outside.resolve("kept"), "z");
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    FileTrees.delete(root);
    assertFalse(Files.exists(root));
    assertTrue(Files.exists(kept), "what a link points at survives");
  }

  @Test
  void nothingThereIsNothingToDo() throws IOException {
    FileTrees.delete(tmp.resolve("absent"));
    assertNull(FileTrees.deleteQuietly(tmp.resolve("absent")));
    assertThrows(NullPointerException.class, () -> FileTrees.delete(null));
  }
}
