package io.vettid.crypto.envelope;

import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The one codec of envelope v1 bytes (layout in docs/PROTOCOL.md). Parsing checks every length
 * and field; it never decrypts.
 */
final class Envelope {
  static final byte[] MAGIC = {'V', 'E'};
  static final int VERSION = 1;
  static final int FLAG_KEY_BLOCK = 1;
  static final int SESSION_ID_BYTES = 16;
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  static final int PAD_BUCKET = 512;
  static final byte[] SIGN_LABEL = "vettid-envelope-v1\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] WRAP_LABEL = "vettid-session-v1\0".getBytes(StandardCharsets.US_ASCII);

  /** Parsed fields; {@code aadEnd} is where the nonce ends (AAD = bytes[0..aadEnd)). */
  record Parsed(
      int suiteId, KeyId recipient, KeyId sender, byte[] sessionId, long sequence, boolean keyBlock,
      long createdMillis, byte[] wrappedKey, byte[] signature, int signedEnd, byte[] nonce, int aadEnd,
      byte[] ciphertext) {}

  private Envelope() {}

  static byte[] header(
      int suiteId, KeyId recipient, KeyId sender, byte[] sessionId, long sequence,
      long createdMillis, byte[] wrappedKey) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + (wrappedKey == null ? 0 : wrappedKey.length));
    out.writeBytes(MAGIC);
    out.write(VERSION);
    out.write(suiteId);
    out.write(wrappedKey != null ? FLAG_KEY_BLOCK : 0);
    writeKeyId(out, recipient);
    writeKeyId(out, sender);
    out.writeBytes(sessionId);
    out.writeBytes(ByteBuffer.allocate(8).putLong(sequence).array());
    if (wrappedKey != null) {
      out.writeBytes(ByteBuffer.allocate(8).putLong(createdMillis).array());
      writeU16(out, wrappedKey);
    }
    return out.toByteArray();
  }

  static byte[] nonce(long sequence) {
    return ByteBuffer.allocate(NONCE_BYTES).putInt(0).putLong(sequence).array();
  }

  static byte[] withDestination(byte[] prefix, byte[] bytes, int length, byte[] destination) {
    ByteBuffer b = ByteBuffer.allocate(prefix.length + length + 2 + destination.length);
    b.put(prefix).put(bytes, 0, length).putShort((short) destination.length).put(destination);
    return b.array();
  }

  static byte[] wrapContext(int suiteId, KeyId recipient, KeyId sender, byte[] sessionId, byte[] destination) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(WRAP_LABEL);
    out.write(suiteId);
    out.writeBytes(recipient.value().getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    out.writeBytes(sender.value().getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    out.writeBytes(sessionId);
    out.writeBytes(destination);
    return out.toByteArray();
  }

  static byte[] pad(byte[] plaintext) {
    int framed = 4 + plaintext.length;
    int padded = ((framed + PAD_BUCKET - 1) / PAD_BUCKET) * PAD_BUCKET;
    return ByteBuffer.allocate(padded).putInt(plaintext.length).put(plaintext).array();
  }

  static byte[] unpad(byte[] padded) throws EnvelopeException {
    if (padded.length < 4 || padded.length % PAD_BUCKET != 0) {
      throw malformed("padded plaintext has " + padded.length + " bytes, not a multiple of " + PAD_BUCKET);
    }
    int length = ByteBuffer.wrap(padded).getInt();
    if (length < 0 || length > padded.length - 4) {
      throw malformed("plaintext length field is out of range");
    }
    int nonZero = 0;
    for (int i = 4 + length; i < padded.length; i++) {
      nonZero |= padded[i];
    }
    if (nonZero != 0 || padded.length - PAD_BUCKET >= 4 + length) {
      throw malformed("padding is not canonical");
    }
    byte[] out = new byte[length];
    System.arraycopy(padded, 4, out, 0, length);
    return out;
  }

  static Parsed parse(byte[] bytes) throws EnvelopeException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    try {
      byte m0 = b.get();
      byte m1 = b.get();
      if (m0 != MAGIC[0] || m1 != MAGIC[1]) {
        throw malformed("not a VettID envelope (bad magic)");
      }
      int version = b.get() & 0xff;
      if (version != VERSION) {
        throw malformed("envelope version " + version + " is not supported (expected " + VERSION + ")");
      }
      int suiteId = b.get() & 0xff;
      int flags = b.get() & 0xff;
      if ((flags & ~FLAG_KEY_BLOCK) != 0) {
        throw malformed("unknown envelope flags " + flags);
      }
      KeyId recipient = readKeyId(b, "recipient");
      KeyId sender = readKeyId(b, "sender");
      byte[] sessionId = new byte[SESSION_ID_BYTES];
      b.get(sessionId);
      long sequence = b.getLong();
      if (sequence < 0) {
        throw malformed("negative sequence number");
      }
      boolean keyBlock = (flags & FLAG_KEY_BLOCK) != 0;
      long created = 0;
      byte[] wrapped = null;
      byte[] signature = null;
      int signedEnd = 0;
      if (keyBlock) {
        created = b.getLong();
        wrapped = readU16(b, "wrapped key");
        signedEnd = b.position();
        signature = readU16(b, "signature");
      }
      byte[] nonce = new byte[NONCE_BYTES];
      b.get(nonce);
      int aadEnd = b.position();
      if (b.remaining() < TAG_BYTES + PAD_BUCKET) {
        throw malformed("ciphertext is too short (" + b.remaining() + " bytes)");
      }
      byte[] ciphertext = new byte[b.remaining()];
      b.get(ciphertext);
      return new Parsed(suiteId, recipient, sender, sessionId, sequence, keyBlock, created, wrapped,
          signature, signedEnd, nonce, aadEnd, ciphertext);
    } catch (java.nio.BufferUnderflowException e) {
      throw malformed("envelope is truncated");
    }
  }

  private static void writeKeyId(ByteArrayOutputStream out, KeyId id) {
    byte[] text = id.value().getBytes(StandardCharsets.US_ASCII);
    out.write(text.length);
    out.writeBytes(text);
  }

  private static KeyId readKeyId(ByteBuffer b, String which) throws EnvelopeException {
    int len = b.get() & 0xff;
    if (len == 0 || len > 64) {
      throw malformed(which + " keyId length " + len + " is out of range");
    }
    byte[] text = new byte[len];
    b.get(text);
    try {
      return KeyId.of(new String(text, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw malformed(which + " keyId is invalid");
    }
  }

  private static void writeU16(ByteArrayOutputStream out, byte[] bytes) {
    out.write(bytes.length >>> 8);
    out.write(bytes.length & 0xff);
    out.writeBytes(bytes);
  }

  private static byte[] readU16(ByteBuffer b, String what) throws EnvelopeException {
    int len = b.getShort() & 0xffff;
    if (len == 0) {
      throw malformed(what + " is empty");
    }
    byte[] out = new byte[len];
    b.get(out);
    return out;
  }

  static EnvelopeException malformed(String message) {
    return new EnvelopeException(FailureReason.MALFORMED, message);
  }
}
