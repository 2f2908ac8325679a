package io.vettid.cli;

import io.vettid.cli.demo.Demo;

/**
 * The javadoc examples of vettid-cli, compiled with its tests (never run): each stands between a
 * line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that class
 * shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  void demo() throws Exception {
    // example: Demo
    Demo.Result r = new Demo(System.out).run(3);
    if (r.lost() != 0) {
      throw new IllegalStateException(r.lost() + " events lost");
    }
    // end
  }
}
