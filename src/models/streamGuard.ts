import { ModelError } from '../core/modelProvider.js';

const CLOSED = new Error('model stream closed');

/**
 * Idle timeout and cancellation around one provider stream. The SDKs' own timeouts stop at the
 * response headers and they end a stream quietly when it is aborted, so the adapters await every
 * step through `step()`, which rejects as soon as the caller aborts or no event arrives in time.
 */
export class StreamGuard {
  readonly #controller = new AbortController();
  readonly #tripped: Promise<never>;
  #trip!: (error: ModelError) => void;
  #reason: ModelError | null = null;
  #timer: NodeJS.Timeout | undefined;
  readonly #onOuterAbort = (): void => this.#fail(new ModelError('aborted', 'model request aborted'));

  constructor(
    private readonly outer: AbortSignal,
    private readonly idleTimeoutMs: number,
  ) {
    this.#tripped = new Promise<never>((_, reject) => {
      this.#trip = reject;
    });
    this.#tripped.catch(() => undefined);
    if (outer.aborted) this.#onOuterAbort();
    else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  /** The signal to hand the SDK: fires on the caller's abort, on idle timeout and on close. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Awaits one step of the stream (the request, or the next event) under the idle timer. */
  async step<T>(pending: Promise<T>): Promise<T> {
    if (this.#reason) {
      pending.catch(() => undefined);
      throw this.#reason;
    }
    this.#timer = setTimeout(
      () => this.#fail(new ModelError('timeout', `no data from the model for ${this.idleTimeoutMs} ms`)),
      this.idleTimeoutMs,
    );
    try {
      return await Promise.race([pending, this.#tripped]);
    } finally {
      clearTimeout(this.#timer);
    }
  }

  throwIfTripped(): void {
    if (this.#reason) throw this.#reason;
  }

  /** Turns whatever a stream threw into a ModelError, preferring our own timeout or abort. */
  failure(error: unknown, classify: (error: unknown) => ModelError): ModelError {
    if (this.#reason) return this.#reason;
    if (this.outer.aborted) return new ModelError('aborted', 'model request aborted');
    if (error instanceof ModelError) return error;
    return classify(error);
  }

  /** Releases the connection (a consumer that stops early must not leave it open). */
  close(): void {
    clearTimeout(this.#timer);
    this.outer.removeEventListener('abort', this.#onOuterAbort);
    // A reason made once: a default abort builds a DOMException (and its stack) every call.
    this.#controller.abort(CLOSED);
  }

  #fail(error: ModelError): void {
    if (this.#reason) return;
    this.#reason = error;
    this.#controller.abort();
    this.#trip(error);
  }
}
