import type { ToolResult } from '../../core/hands.js';

/** A failure the model reads as the tool's error result (the SDK's `ToolError`). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** An empty text block is rejected by the Messages API, so empty output is an empty content list. */
export function textResult(text: string, isError = false): ToolResult {
  return { content: text === '' ? [] : [{ type: 'text', text }], isError };
}

export const errorResult = (text: string): ToolResult => textResult(text, true);

/** The text of an abort reason, as the SDK reports an aborted call (`bash: <reason>`). */
export function abortText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' && reason ? reason : 'This operation was aborted';
}
