import { ModelError } from '../core/modelProvider.js';

/** A model id no provider serves. The API turns it into a 400 naming the id. */
export class UnknownModelError extends ModelError {
  constructor(
    readonly modelId: string,
    hint?: string,
  ) {
    super('invalid_request', `unknown model "${modelId}"${hint ? `: ${hint}` : ''}`);
    this.name = 'UnknownModelError';
  }
}
