/** Helpers of the runtime's own packages; not an API. */
package io.vettid.runtime.internal;
