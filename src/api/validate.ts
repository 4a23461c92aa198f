import { ZodError, type z } from 'zod';
import { invalidRequest } from '../core/errors.js';

/**
 * Parses a request body or query once, at the boundary. Unknown fields and bad values get a
 * 400 whose message names every offending path, so a client never wonders what was ignored.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidRequest(describeIssues(result.error.issues, where));
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], where: string): string {
  const messages = issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (path ? `${path}.${key}` : key));
      return `${keys.join(', ')}: unknown or unsupported field${keys.length > 1 ? 's' : ''}`;
    }
    return `${path || where}: ${issue.message}`;
  });
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `Invalid request ${where}: ${messages.join('; ')}${more}`;
}

/** The request's JSON body (read by `readRequestBody`); an empty body is `{}` (the SDK sends none on archive). */
export function readJson(c: { get(key: 'body'): string }): unknown {
  const text = c.get('body');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('Request body is not valid JSON.');
  }
}

/** Runs a protocol-layer builder whose cross-field checks throw a ZodError, as a 400. */
export function rethrowZod<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ZodError) throw invalidRequest(describeIssues(error.issues, 'body'));
    throw error;
  }
}
