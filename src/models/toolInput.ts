import type { ToolInputError } from '../core/modelProvider.js';

/**
 * Parses the tool input text a model streamed. The SDKs' lenient partial-JSON parsers turn
 * malformed input into `{}` silently; here it becomes an `inputError` the brain reports back.
 */
export function parseToolInput(raw: string): { input: unknown; inputError?: ToolInputError } {
  if (raw.trim() === '') return { input: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { input: {}, inputError: { message: `tool input is not valid JSON: ${(error as Error).message}`, raw } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { input: {}, inputError: { message: `tool input must be a JSON object, got ${got}`, raw } };
  }
  return { input: value };
}
