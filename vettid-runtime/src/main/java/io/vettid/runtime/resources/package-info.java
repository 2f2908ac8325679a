/**
 * Trusted resources: fetched from the vault's object store or over HTTPS, verified by version and
 * SHA-256 before any use; handler plugin jars loaded only when their hash matches.
 */
package io.vettid.runtime.resources;
