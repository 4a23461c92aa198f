/**
 * Credentials are sealed at rest and opened only inside the server process (the egress proxy
 * and the MCP client). Nothing returned from this port may reach a sandbox, a model request,
 * an event or a log line.
 */
export interface SealedSecret {
  keyId: string;
  /** base64 of wrapped data key, IV, tag and ciphertext. */
  blob: string;
}

export interface Vault {
  seal(plaintext: string, associatedData: string): Promise<SealedSecret>;
  open(sealed: SealedSecret, associatedData: string): Promise<string>;
}
