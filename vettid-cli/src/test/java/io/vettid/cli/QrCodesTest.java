package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.Result;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.decoder.Decoder;
import com.google.zxing.qrcode.QRCodeReader;
import io.vettid.proptest.Gens;
import io.vettid.proptest.Props;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QR codes the CLI draws, read back by another implementation (ZXing): what a phone's scanner
 * would read from the terminal or the PNG is the text that was encoded.
 */
class QrCodesTest {
  /** The characters of invitation URIs and safety numbers (base64url, digits, query syntax). */
  private static final String BASE64URL =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
  private static final String URI_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:?&=.%/ ";

  @TempDir Path tmp;

  @Test
  void anInvitationDrawnInTheTerminalReadsBack() throws Exception {
    String uri = "vettid:invite?v=2&g=0f4b6c1e-8a2d-4d7e-9b1a-3c5e7f9a1b2c&e=chat&i=q4NmZ3bS0xVwYk1pZXhhbQ"
        + "&s=7VtYl1Rz9bXc2hQ3mN4pK5sT6uV7wX8yZ9aB0cD1eF2&p=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE"
        + "&k=vk1-3b2c1d4e5f6a7b8c9d0e&x=1796601600&m=p&n=es.example.org:4222&c=Qm9vdHN0cmFwQ0FwaW5RbTl"
        + "2ZEhOMGNtRndRMEZ3YVc1&a=ACXGQJSBRF6YH3O45H3LRZD6OQV7ZRPEIRA7ZUNGCCUHBN6TBVK7QKNQ"
        + "&b=c2lnbmF0dXJlX29mX3RoZV9ib290c3RyYXBfdXNlcl9ncmFudF9ieV90aGVfaW52aXRlcl9pZGVudGl0eV9rZXk";
    assertThat(readTerminal(QrCodes.terminal(uri))).isEqualTo(uri);
  }

  /**
   * Any text, module by module: the drawing holds exactly the code's modules (ZXing's decoder reads
   * them without its camera heuristics, which cannot find some legal codes of very regular text,
   * such as 456 times the letter a).
   */
  @Test
  void anyTextDrawnInTheTerminalHoldsItsCode() {
    Props.tries(300).forAll(Gens.strings(URI_CHARS, 1, 600)).checkAssert(text ->
        assertThat(decodeModules(terminalModules(QrCodes.terminal(text)))).isEqualTo(text));
  }

  @Test
  void anyTextWrittenAsPngHoldsItsCode() {
    Props.tries(40).forAll(Gens.strings(URI_CHARS, 1, 600)).checkAssert(text -> {
      Path png = tmp.resolve("qr.png");
      QrCodes.png(text, png);
      assertThat(decodeModules(pngModules(ImageIO.read(png.toFile())))).isEqualTo(text);
    });
  }

  /**
   * Invitations as a camera sees them: found in the picture, then read. ZXing's detector misses
   * about one legal code in two hundred (1 of 200 random invitations, drawn in a terminal or as a
   * PNG, at any scale: a finder pattern it believes it sees in the data; the terminal drawing and
   * the PNG of one invitation fail together), so this asks for 54 of 60 (more than 3 invitations of
   * 30 missed by chance: about 1 run in 60,000), and drawings a scanner could not find as a rule
   * fail it. Every drawing's modules are checked exactly by the tests above.
   */
  @Test
  void invitationsAreFoundAndReadInTheTerminalAndThePng() throws Exception {
    java.util.Random random = new java.util.Random();
    int read = 0;
    for (int i = 0; i < 30; i++) {
      String secret = randomBase64(random, 43);
      String id = randomBase64(random, 22);
      String uri = "vettid:invite?v=2&g=8b0e4a52-3f1c-4d2e-9a7b-1c2d3e4f5a6b&e=chat&i=" + id + "&s=" + secret
          + "&p=" + secret + "&k=vk1-" + id + "&x=1796601600&m="
          + (random.nextBoolean() ? "r&n=es.example.org:4222&c=" + secret : "p");
      read += uri.equals(readTerminalOrNull(QrCodes.terminal(uri))) ? 1 : 0;
      Path png = tmp.resolve("invitation.png");
      QrCodes.png(uri, png);
      read += uri.equals(readImageOrNull(ImageIO.read(png.toFile()))) ? 1 : 0;
    }
    assertThat(read).as("drawings a scanner found and read, of 60").isGreaterThanOrEqualTo(54);
  }

  private static String randomBase64(java.util.Random random, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(BASE64URL.charAt(random.nextInt(BASE64URL.length())));
    }
    return b.toString();
  }

  private static String readTerminalOrNull(String drawn) throws Exception {
    try {
      return readTerminal(drawn);
    } catch (com.google.zxing.NotFoundException | com.google.zxing.ChecksumException | com.google.zxing.FormatException e) {
      return null;
    }
  }

  private static String readImageOrNull(BufferedImage image) throws Exception {
    try {
      return readImage(image);
    } catch (com.google.zxing.NotFoundException | com.google.zxing.ChecksumException | com.google.zxing.FormatException e) {
      return null;
    }
  }

  /** The text a terminal drawing holds, read module by module (exact; for other tests). */
  static String decodeTerminal(String drawn) throws Exception {
    return decodeModules(terminalModules(drawn));
  }

  /** The text a PNG holds, read module by module (exact; for other tests). */
  static String decodePng(Path png) throws Exception {
    assertThat(Files.exists(png)).isTrue();
    return decodeModules(pngModules(ImageIO.read(png.toFile())));
  }

  @Test
  void theTerminalDrawingHasOnlyHalfBlocksInEvenRows() {
    String drawn = QrCodes.terminal("vettid:safety?v=1&n=12345");
    List<String> lines = drawn.lines().toList();
    assertThat(lines).allSatisfy(l -> assertThat(l).matches("[ ▀▄█]+").hasSize(lines.get(0).length()));
    // the top row of the quiet zone is light all along: full blocks
    assertThat(lines.get(0)).matches("█+");
  }

  @Test
  void emptyOrOverlongTextIsRefusedClearly() {
    assertThatThrownBy(() -> QrCodes.terminal("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nothing");
    assertThatThrownBy(() -> QrCodes.terminal("x".repeat(3000))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
    assertThatThrownBy(() -> QrCodes.png("x", null)).isInstanceOf(NullPointerException.class);
  }

  /**
   * Reads a terminal drawing as a camera sees it: each cell two modules high, blocks light, spaces
   * dark, the terminal's dark background around it.
   */
  static String readTerminal(String drawn) throws Exception {
    List<String> lines = drawn.lines().toList();
    int width = lines.get(0).length();
    int height = lines.size() * 2;
    int pad = 4;
    int scale = 4;
    int w = (width + 2 * pad) * scale;
    int h = (height + 2 * pad) * scale;
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB); // black: the background
    for (int row = 0; row < lines.size(); row++) {
      String line = lines.get(row);
      for (int x = 0; x < line.length(); x++) {
        char c = line.charAt(x);
        boolean top = c == '█' || c == '▀';
        boolean bottom = c == '█' || c == '▄';
        paint(image, x + pad, 2 * row + pad, scale, top);
        paint(image, x + pad, 2 * row + 1 + pad, scale, bottom);
      }
    }
    return readImage(image);
  }

  /** The modules of a terminal drawing: a cell's upper and lower half, a block light, a space dark. */
  static boolean[][] terminalModules(String drawn) {
    List<String> lines = drawn.lines().toList();
    boolean[][] dark = new boolean[lines.size() * 2][lines.get(0).length()];
    for (int row = 0; row < lines.size(); row++) {
      for (int x = 0; x < lines.get(row).length(); x++) {
        char c = lines.get(row).charAt(x);
        dark[2 * row][x] = !(c == '█' || c == '▀');
        dark[2 * row + 1][x] = !(c == '█' || c == '▄');
      }
    }
    return dark;
  }

  /** The modules of a PNG, sampled at each module's centre. */
  static boolean[][] pngModules(BufferedImage image) {
    int scale = QrCodes.IMAGE_SCALE;
    int n = image.getWidth() / scale;
    assertThat(image.getHeight()).isEqualTo(image.getWidth());
    boolean[][] dark = new boolean[n][n];
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        dark[y][x] = (image.getRGB(x * scale + scale / 2, y * scale + scale / 2) & 0xFFFFFF) == 0;
      }
    }
    return dark;
  }

  /**
   * Decodes a grid of modules: the code is the square its dark modules span (finder patterns sit in
   * three corners), read by ZXing's decoder; at least four light modules must lie above and left
   * of it.
   */
  static String decodeModules(boolean[][] dark) throws Exception {
    int minX = Integer.MAX_VALUE;
    int minY = Integer.MAX_VALUE;
    int maxX = -1;
    int maxY = -1;
    int rows = dark.length % 2 == 0 && dark.length > 0 && allDark(dark[dark.length - 1]) ? dark.length - 1 : dark.length;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < dark[y].length; x++) {
        if (dark[y][x]) {
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
    }
    int size = maxX - minX + 1;
    assertThat(maxY - minY + 1).as("a square code").isEqualTo(size);
    assertThat(Math.min(minX, minY)).as("the quiet zone").isGreaterThanOrEqualTo(4);
    BitMatrix m = new BitMatrix(size);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        if (dark[minY + y][minX + x]) {
          m.set(x, y);
        }
      }
    }
    return new Decoder().decode(m, Map.of(DecodeHintType.CHARACTER_SET, "UTF-8")).getText();
  }

  /** The lower half of a terminal's last line, when the drawing has an odd height: the background. */
  private static boolean allDark(boolean[] row) {
    for (boolean b : row) {
      if (!b) {
        return false;
      }
    }
    return true;
  }

  private static void paint(BufferedImage image, int mx, int my, int scale, boolean light) {
    for (int dy = 0; dy < scale; dy++) {
      for (int dx = 0; dx < scale; dx++) {
        image.setRGB(mx * scale + dx, my * scale + dy, light ? 0xFFFFFF : 0x000000);
      }
    }
  }

  private static String readImage(BufferedImage image) throws Exception {
    int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(
        new RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels)));
    Result r = new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE, DecodeHintType.CHARACTER_SET, "UTF-8"));
    assertThat(r.getBarcodeFormat()).isEqualTo(BarcodeFormat.QR_CODE);
    return r.getText();
  }
}
