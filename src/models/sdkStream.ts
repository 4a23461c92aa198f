import { ModelError, type ModelEvent, type ModelProfile } from '../core/modelProvider.js';
import { StreamGuard } from './streamGuard.js';
import { UnknownModelError } from './unknownModel.js';

/** Where a provider SDK sends its requests, from the options or else the provider's variables. */
export interface EndpointOptions {
  baseURL?: string;
  apiKey?: string;
  /** The variable holding the key when `apiKey` is not given; null for none. */
  apiKeyEnv?: string | null;
  env?: NodeJS.ProcessEnv;
}

export interface EndpointDefaults {
  /** e.g. `ANTHROPIC_BASE_URL`. */
  baseUrlEnv: string;
  /** e.g. `ANTHROPIC_API_KEY`. */
  keyEnv: string;
  /** The provider's own API, used when no base URL is set. */
  baseURL: string;
  /** How an error names the provider: "no Anthropic API key". */
  name: string;
}

/**
 * Resolves the endpoint once; the returned function throws an `auth` ModelError when it is
 * used without a key where one is needed, so a provider nobody calls needs none.
 */
export function endpointOf(
  options: EndpointOptions,
  defaults: EndpointDefaults,
): () => { baseURL: string; apiKey: string } {
  const env = options.env ?? process.env;
  const baseURL = options.baseURL ?? env[defaults.baseUrlEnv] ?? undefined;
  const keyEnv = options.apiKeyEnv === undefined ? defaults.keyEnv : options.apiKeyEnv;
  const apiKey = options.apiKey ?? (keyEnv ? env[keyEnv] : undefined) ?? undefined;
  return () => {
    // A key is required where it was asked for by name, or where the default endpoint is used.
    if (!apiKey && (options.apiKeyEnv || !baseURL)) {
      throw new ModelError('auth', `no ${defaults.name} API key: set ${keyEnv ?? defaults.keyEnv}`);
    }
    // An explicit placeholder keeps the SDK from looking for credential files.
    return { baseURL: baseURL ?? defaults.baseURL, apiKey: apiKey ?? 'bosun-no-key' };
  };
}

/** `ModelProvider.profile` over a lookup: a model it does not know is an UnknownModelError. */
export function profileOf(lookup: (model: string) => ModelProfile | undefined): (model: string) => ModelProfile {
  return (model) => {
    const profile = lookup(model);
    if (!profile) throw new UnknownModelError(model);
    return profile;
  };
}

/** Turns one SDK's stream chunks into port events. */
export interface ChunkMapper<Chunk> {
  map(chunk: Chunk): Iterable<ModelEvent>;
  /** True once the stream said its last word; reading stops there. */
  readonly stopped?: boolean;
  /** After the last chunk: what is still owed, or a ModelError if the stream ended early. */
  finish(): Iterable<ModelEvent>;
}

/**
 * One provider call as port events: every step (the request, each chunk) is awaited under the
 * guard's idle timeout and the caller's abort, failures are classified, and the SDK's stream is
 * released however the consumer stops.
 */
export async function* guardedStream<Chunk>(
  control: { signal: AbortSignal; idleTimeoutMs: number },
  open: (signal: AbortSignal) => Promise<{ data: AsyncIterable<Chunk>; request_id?: string | null | undefined }>,
  mapperFor: (requestId: string | null) => ChunkMapper<Chunk>,
  classify: (error: unknown) => ModelError,
): AsyncGenerator<ModelEvent> {
  const guard = new StreamGuard(control.signal, control.idleTimeoutMs);
  let iterator: AsyncIterator<Chunk> | undefined;
  try {
    guard.throwIfTripped();
    const { data, request_id } = await guard.step(open(guard.signal));
    const mapper = mapperFor(request_id ?? null);
    iterator = data[Symbol.asyncIterator]();
    while (!mapper.stopped) {
      const next = await guard.step(iterator.next());
      if (next.done) break;
      yield* mapper.map(next.value);
    }
    guard.throwIfTripped();
    yield* mapper.finish();
  } catch (error) {
    throw guard.failure(error, classify);
  } finally {
    guard.close();
    iterator?.return?.().catch(() => undefined);
  }
}
