package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * A request to a running vault failed: the vault refused it (its message says why and what to do
 * next), or the vault could not be reached. {@link #exitCode()} is what the {@code vettid}
 * command line exits with for it.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class VaultClientException extends Exception {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /** The vault refused the request, or the run found a problem. */
  public static final int REFUSED = 1;
  /** The request was malformed. */
  public static final int USAGE = 2;
  /** Something is missing: no vault, the vault is not running, no passphrase. */
  public static final int ENVIRONMENT = 3;

  /** The exit code the command line ends with for this failure. */
  private final int exitCode;
  /** The control service's error code, 0 when the vault did not answer with one. */
  private final int serviceCode;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do next
   * @param exitCode {@link #REFUSED}, {@link #USAGE} or {@link #ENVIRONMENT}
   */
  public VaultClientException(String message, int exitCode) {
    this(message, exitCode, 0);
  }

  /**
   * Creates the exception for a refusal the vault answered with.
   *
   * @param message what failed and what to do next
   * @param exitCode {@link #REFUSED}, {@link #USAGE} or {@link #ENVIRONMENT}
   * @param serviceCode the control service's error code ({@link ControlEndpoint#NOT_FOUND}, ...), or 0
   */
  public VaultClientException(String message, int exitCode, int serviceCode) {
    super(message);
    this.exitCode = exitCode;
    this.serviceCode = serviceCode;
  }

  /**
   * {@return the control service's error code: {@link ControlEndpoint#MALFORMED}, {@link
   *     ControlEndpoint#NOT_FOUND}, {@link ControlEndpoint#REFUSED} or {@link ControlEndpoint#FAILED};
   *     0 when the vault did not answer with one (not running, no answer in time)}
   */
  public int serviceCode() {
    return serviceCode;
  }

  /** {@return 1 refused, 2 usage, 3 environment} */
  public int exitCode() {
    return exitCode;
  }
}
