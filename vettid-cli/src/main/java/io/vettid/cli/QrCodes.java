package io.vettid.cli;

import io.nayuki.qrcodegen.DataTooLongException;
import io.nayuki.qrcodegen.QrCode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * QR codes of what the owner shows someone in person: an invitation ({@code vettid invite --qr}) and
 * a connection's safety number ({@code vettid connections safety --qr}).
 *
 * <p>Encoded with error correction level M (about 15% of the code may be lost), raised where the
 * text fits the same size anyway. In a terminal each character cell holds two modules, one above
 * the other, drawn with Unicode half blocks ({@code ▀ ▄ █} and a space); the blocks are drawn where
 * the code is <em>light</em>, as {@code qrencode -t UTF8} does, because terminals draw light text on
 * a dark background: the code then shows dark on light, with a light quiet zone of four modules
 * around it. A PNG has dark modules on white with the standard four-module quiet zone.
 */
final class QrCodes {
  /** The quiet zone in a terminal: the four modules ISO/IEC 18004 asks for (with two, some codes are not found). */
  static final int TERMINAL_BORDER = 4;
  /** The quiet zone of an image: the four modules ISO/IEC 18004 asks for. */
  static final int IMAGE_BORDER = 4;
  /** Pixels per module in a PNG. */
  static final int IMAGE_SCALE = 8;

  private QrCodes() {}

  /**
   * The QR code of a text.
   *
   * @param text what the code holds (UTF-8)
   * @return the code
   * @throws IllegalArgumentException if the text is empty or longer than a QR code holds
   */
  static QrCode encode(String text) {
    if (Objects.requireNonNull(text, "text").isEmpty()) {
      throw new IllegalArgumentException("nothing to put in a QR code");
    }
    try {
      return QrCode.encodeText(text, QrCode.Ecc.MEDIUM);
    } catch (DataTooLongException e) {
      throw new IllegalArgumentException("the text is too long for a QR code (" + text.length() + " characters)", e);
    }
  }

  /**
   * A text's QR code drawn for a terminal.
   *
   * @param text what the code holds
   * @return lines of half blocks, each ending with a line feed
   */
  static String terminal(String text) {
    QrCode qr = encode(text);
    int size = qr.size + 2 * TERMINAL_BORDER;
    StringBuilder out = new StringBuilder((size + 1) * (size / 2 + 1));
    for (int y = 0; y < size; y += 2) {
      for (int x = 0; x < size; x++) {
        boolean top = light(qr, x - TERMINAL_BORDER, y - TERMINAL_BORDER);
        boolean bottom = y + 1 < size && light(qr, x - TERMINAL_BORDER, y + 1 - TERMINAL_BORDER);
        out.append(top ? (bottom ? '█' : '▀') : (bottom ? '▄' : ' '));
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * Writes a text's QR code as a PNG image (black on white), replacing the file atomically.
   *
   * @param text what the code holds
   * @param file where to write it
   * @throws IOException if the image cannot be written
   */
  static void png(String text, Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    QrCode qr = encode(text);
    int size = (qr.size + 2 * IMAGE_BORDER) * IMAGE_SCALE;
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_BINARY);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        boolean dark = qr.getModule(x / IMAGE_SCALE - IMAGE_BORDER, y / IMAGE_SCALE - IMAGE_BORDER);
        image.setRGB(x, y, dark ? 0x000000 : 0xFFFFFF);
      }
    }
    Path target = file.toAbsolutePath();
    Path tmp = Files.createTempFile(target.getParent(), ".qr-", ".png");
    try {
      if (!ImageIO.write(image, "png", tmp.toFile())) {
        throw new IOException("this Java has no PNG writer");
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A module is light when it is outside the code (the quiet zone) or a light module of it. */
  private static boolean light(QrCode qr, int x, int y) {
    return !qr.getModule(x, y); // getModule is false outside the code
  }
}
