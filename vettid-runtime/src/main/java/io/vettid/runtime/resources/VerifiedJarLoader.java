package io.vettid.runtime.resources;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;

/**
 * A class loader over the bytes of a jar held in memory: the bytes whose hash was checked are the
 * bytes classes and resources come from, with no file in between that could be changed after the
 * check. Resources are served under {@code vettid-plugin:} URLs (for {@link java.util.ServiceLoader}).
 */
final class VerifiedJarLoader extends ClassLoader {
  private static final int MAX_ENTRIES = 16_384;

  private final Map<String, byte[]> entries;
  private final String name;

  VerifiedJarLoader(String name, byte[] jar, ClassLoader parent) throws IOException {
    super(name, parent);
    this.name = name;
    this.entries = read(jar);
  }

  private static Map<String, byte[]> read(byte[] jar) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    long total = 0;
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
        if (e.isDirectory()) {
          continue;
        }
        if (out.size() >= MAX_ENTRIES) {
          throw new IOException("the plugin jar has more than " + MAX_ENTRIES + " entries");
        }
        byte[] b = in.readNBytes(TrustedResources.MAX_BYTES + 1);
        total += b.length;
        if (b.length > TrustedResources.MAX_BYTES || total > 4L * TrustedResources.MAX_BYTES) {
          throw new IOException("the plugin jar holds more than its size limit once inflated");
        }
        out.put(e.getName(), b);
      }
    }
    return out;
  }

  @Override
  protected Class<?> findClass(String className) throws ClassNotFoundException {
    byte[] b = entries.get(className.replace('.', '/') + ".class");
    if (b == null) {
      throw new ClassNotFoundException(className);
    }
    return defineClass(className, b, 0, b.length);
  }

  @Override
  protected URL findResource(String resource) {
    byte[] b = entries.get(resource);
    if (b == null) {
      return null;
    }
    try {
      return new URL(null, "vettid-plugin:" + name + "!/" + resource, new URLStreamHandler() {
        @Override
        protected URLConnection openConnection(URL u) {
          return new URLConnection(u) {
            @Override
            public void connect() {
              // in memory
            }

            @Override
            public InputStream getInputStream() {
              return new ByteArrayInputStream(b);
            }
          };
        }
      });
    } catch (java.net.MalformedURLException e) {
      return null;
    }
  }

  @Override
  protected Enumeration<URL> findResources(String resource) {
    URL u = findResource(resource);
    return u == null ? Collections.emptyEnumeration() : Collections.enumeration(java.util.List.of(u));
  }

  /** Reads at most {@code max + 1} bytes, so that a caller sees a body over {@code max}. */
  static byte[] readAtMost(InputStream in, int max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 << 10];
    int n;
    while (out.size() <= max && (n = in.read(buf, 0, Math.min(buf.length, max + 1 - out.size()))) > 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
