/** The runnable demo behind {@code vettid demo}. */
package io.vettid.cli.demo;
