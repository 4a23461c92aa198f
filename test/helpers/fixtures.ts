import type Anthropic from '@anthropic-ai/sdk';
import { APIError } from '@anthropic-ai/sdk';
import type { AgentCreateParams } from '@anthropic-ai/sdk/resources/beta/agents/agents.mjs';
import type { EnvironmentCreateParams } from '@anthropic-ai/sdk/resources/beta/environments/environments.mjs';
import type { SessionCreateParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.mjs';
import { expect } from 'vitest';

export const MODEL = 'claude-sonnet-4-5';

// Asymmetric matchers typed `unknown` rather than `any`, so object literals holding them stay type-safe.
export const anyString: unknown = expect.any(String);
export const anyNumber: unknown = expect.any(Number);
export const anyObject: unknown = expect.any(Object);
export const anyArray: unknown = expect.any(Array);
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

export const text = (value: string) => [{ type: 'text' as const, text: value }];

export const userMessage = (value: string) => ({ type: 'user.message' as const, content: text(value) });

export function createAgent(client: Anthropic, params: Partial<AgentCreateParams> = {}) {
  return client.beta.agents.create({ name: 'test agent', model: MODEL, ...params });
}

export function createEnvironment(client: Anthropic, params: Partial<EnvironmentCreateParams> = {}) {
  return client.beta.environments.create({ name: 'test env', ...params });
}

/** A session on a fresh agent and cloud environment unless the caller names them. */
export async function createSession(client: Anthropic, params: Partial<SessionCreateParams> = {}) {
  const agent = params.agent ?? (await createAgent(client)).id;
  const environment_id = params.environment_id ?? (await createEnvironment(client)).id;
  return client.beta.sessions.create({ ...params, agent, environment_id });
}

/** A copy of `client` with SDK retries on, counting the HTTP requests it really sends. */
export function retryingClient(client: Anthropic, maxRetries = 2): { client: Anthropic; requests: () => number } {
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests += 1;
    return fetch(input, init);
  };
  return { client: client.withOptions({ maxRetries, fetch: counting }), requests: () => requests };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The error a request fails with; fails the test when it succeeds or fails with another class. */
export async function apiError<E extends APIError = APIError>(
  request: PromiseLike<unknown>,
  errorClass: abstract new (...args: never[]) => E = APIError as never,
): Promise<E> {
  let result: unknown;
  try {
    result = await request;
  } catch (error) {
    expect(error).toBeInstanceOf(errorClass);
    return error as E;
  }
  throw new Error(`expected the request to fail, it returned ${JSON.stringify(result)?.slice(0, 300)}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timestamps are millisecond-precise: wait until the clock has moved on, so two records differ. */
export async function tick(): Promise<string> {
  await sleep(5);
  const now = new Date().toISOString();
  await sleep(5);
  return now;
}

/** Takes the first `count` items of a stream, or fails after `timeoutMs`; always ends the stream. */
export async function take<T>(
  stream: AsyncIterable<T> & { controller: AbortController },
  count: number,
  timeoutMs = 5_000,
): Promise<T[]> {
  const out: T[] = [];
  const timer = setTimeout(() => stream.controller.abort(), timeoutMs);
  try {
    for await (const item of stream) {
      out.push(item);
      if (out.length >= count) break;
    }
  } catch (error) {
    if (!stream.controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    stream.controller.abort();
  }
  if (out.length < count) throw new Error(`stream gave ${out.length} of ${count} items within ${timeoutMs} ms`);
  return out;
}
