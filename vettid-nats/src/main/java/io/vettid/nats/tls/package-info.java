/** TLS for NATS links: certificates made with Bouncy Castle and client contexts that verify hostnames. */
package io.vettid.nats.tls;
