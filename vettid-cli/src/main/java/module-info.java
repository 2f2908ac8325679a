/**
 * The {@code vettid} command line over {@code io.vettid.runtime}: {@code init}, {@code server start}
 * (the vault daemon and its control service), every owner command as a control request, and
 * {@code vettid demo} ({@link io.vettid.cli.demo.Demo}, two vaults against each other). An
 * application, not a library: run {@code vettid-cli/target/vettid.jar}.
 */
module io.vettid.cli {
  requires io.vettid.runtime;
  requires info.picocli;
  requires org.slf4j;
  requires io.nayuki.qrcodegen;
  requires io.vettid.micrometer;
  requires micrometer.registry.prometheus;
  requires jdk.httpserver; // the loopback metrics endpoint
  requires java.desktop; // javax.imageio: the PNG of a QR code (headless)

  exports io.vettid.cli;
  exports io.vettid.cli.demo;

  opens io.vettid.cli to info.picocli;
}
