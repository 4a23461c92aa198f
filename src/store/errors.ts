/** An append or read named a session the store does not have (deleted, or never created). */
export class UnknownSessionError extends Error {
  constructor(readonly sessionId: string) {
    super(`unknown session ${sessionId}`);
    this.name = 'UnknownSessionError';
  }
}
