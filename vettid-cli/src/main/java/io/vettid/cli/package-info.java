/** The {@code vettid} command line (picocli). Internal: use the commands, not these classes. */
package io.vettid.cli;
