/** EventSpace profiles and what they list: trusted resources (version + SHA-256), trusted links. */
package io.vettid.profile;
