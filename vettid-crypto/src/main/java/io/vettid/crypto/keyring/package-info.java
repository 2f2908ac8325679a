/**
 * Key rings: versioned key pairs with one primary, automatic rotation with a grace period, and
 * sealed storage at rest. See {@link io.vettid.crypto.keyring.KeyRing}.
 */
package io.vettid.crypto.keyring;
