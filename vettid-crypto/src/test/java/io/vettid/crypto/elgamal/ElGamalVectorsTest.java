package io.vettid.crypto.elgamal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.crypto.PublicKeyEntry;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/**
 * The committed ElGamal-3072 vector (docs/vectors/elgamal-v1.json, PROTOCOL section 4): the key
 * encodings are as the page says, the wrap opens to the key through the code, and by the page's
 * formula alone (ElGamal decryption, then OAEP decoding of a 383-byte encoded message with no
 * leading zero byte), so an implementer in another language can check each step.
 */
class ElGamalVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final ElGamal3072 ALG = new ElGamal3072();

  private static JsonNode vector() throws Exception {
    Path root = Path.of(System.getProperty("vettid.repo.root", "..")).toAbsolutePath().normalize();
    return new ObjectMapper().readTree(Files.readAllBytes(root.resolve("docs/vectors/elgamal-v1.json")));
  }

  private static byte[] hex(JsonNode v, String field) {
    return HEX.parseHex(v.get(field).asText());
  }

  @Test
  void theKeysAreEncodedAsThePageSays() throws Exception {
    JsonNode v = vector();
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(hex(v, "publicKeySpki"));
    assertThat(spki.getAlgorithm().getAlgorithm()).isEqualTo(new ASN1ObjectIdentifier("1.3.14.7.2.1.1"));
    ASN1Sequence params = ASN1Sequence.getInstance(spki.getAlgorithm().getParameters());
    assertThat(params.size()).isEqualTo(2);
    BigInteger p = ASN1Integer.getInstance(params.getObjectAt(0)).getValue();
    BigInteger g = ASN1Integer.getInstance(params.getObjectAt(1)).getValue();
    assertThat(p.bitLength()).isEqualTo(3072);
    assertThat(g).isEqualTo(BigInteger.TWO);
    BigInteger y = ASN1Integer.getInstance(ASN1Primitive.fromByteArray(spki.getPublicKeyData().getBytes())).getValue();
    assertThat(y.modPow(p.subtract(BigInteger.ONE).shiftRight(1), p)).as("y in the prime-order subgroup")
        .isEqualTo(BigInteger.ONE);

    PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(hex(v, "privateKeyPkcs8"));
    assertThat(pkcs8.getPrivateKeyAlgorithm()).isEqualTo(spki.getAlgorithm());
    BigInteger x = ASN1Integer.getInstance(ASN1Primitive.fromByteArray(
        ASN1OctetString.getInstance(pkcs8.getPrivateKey()).getOctets())).getValue();
    assertThat(g.modPow(x, p)).as("y = g^x mod p").isEqualTo(y);

    PublicKey pub = ALG.decodePublicKey(hex(v, "publicKeySpki"));
    assertThat(PublicKeyEntry.of(ALG, pub).keyId().value()).isEqualTo(v.get("publicKeyId").asText());
  }

  @Test
  void theWrapOpensThroughTheCodeAndByTheFormula() throws Exception {
    JsonNode v = vector();
    byte[] context = v.get("context").asText().getBytes(StandardCharsets.US_ASCII);
    byte[] wrapped = hex(v, "wrapped");
    PrivateKey priv = ALG.decodePrivateKey(hex(v, "privateKeyPkcs8"));
    assertThat(HEX.formatHex(ALG.unwrapKey(priv, wrapped, context))).isEqualTo(v.get("key").asText());

    // by the formula: m = c2 * c1^(p-1-x) mod p, c1 and c2 384 bytes each
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(hex(v, "publicKeySpki"));
    BigInteger p = ASN1Integer.getInstance(ASN1Sequence.getInstance(spki.getAlgorithm().getParameters())
        .getObjectAt(0)).getValue();
    BigInteger x = ASN1Integer.getInstance(ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(
        PrivateKeyInfo.getInstance(hex(v, "privateKeyPkcs8")).getPrivateKey()).getOctets())).getValue();
    assertThat(wrapped).hasSize(768);
    BigInteger c1 = new BigInteger(1, Arrays.copyOfRange(wrapped, 0, 384));
    BigInteger c2 = new BigInteger(1, Arrays.copyOfRange(wrapped, 384, 768));
    BigInteger m = c2.multiply(c1.modPow(p.subtract(BigInteger.ONE).subtract(x), p)).mod(p);
    byte[] em = fixed(m, 383);
    assertThat(HEX.formatHex(em)).isEqualTo(v.get("encodedMessage").asText());

    // OAEP (SHA-256, MGF1-SHA-256, label = context) over the 383 bytes: maskedSeed || maskedDB
    byte[] maskedSeed = Arrays.copyOfRange(em, 0, 32);
    byte[] maskedDb = Arrays.copyOfRange(em, 32, 383);
    byte[] seed = xor(maskedSeed, mgf1(maskedDb, 32));
    byte[] db = xor(maskedDb, mgf1(seed, maskedDb.length));
    assertThat(Arrays.copyOf(db, 32)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(context));
    int i = 32;
    while (db[i] == 0) {
      i++;
    }
    assertThat(db[i]).as("the separator").isEqualTo((byte) 1);
    assertThat(HEX.formatHex(Arrays.copyOfRange(db, i + 1, db.length))).isEqualTo(v.get("key").asText());
  }

  private static byte[] fixed(BigInteger n, int length) {
    byte[] b = n.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(b.length, length);
    System.arraycopy(b, b.length - copy, out, length - copy, copy);
    return out;
  }

  private static byte[] mgf1(byte[] seed, int length) throws Exception {
    byte[] out = new byte[length];
    int done = 0;
    for (int counter = 0; done < length; counter++) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(seed);
      sha.update(new byte[] {(byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
      byte[] h = sha.digest();
      int n = Math.min(h.length, length - done);
      System.arraycopy(h, 0, out, done, n);
      done += n;
    }
    return out;
  }

  private static byte[] xor(byte[] a, byte[] b) {
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) (a[i] ^ b[i]);
    }
    return out;
  }
}
