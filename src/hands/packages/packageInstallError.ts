/**
 * The environment's packages could not be installed. The message is written for the model (and
 * the person reading the session): what failed and the tail of the install log, with host paths
 * replaced by the paths the sandbox sees.
 */
export class PackageInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageInstallError';
  }
}
