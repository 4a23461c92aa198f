import type { Sandbox, SessionHandsContext } from '../../core/hands.js';
import type { ToolSpec } from '../../core/modelProvider.js';
import { ToolError } from './toolError.js';
import type { WebSearchProvider } from './web.js';

/** What a tool run may use. The sandbox is provisioned on first use, not before. */
export interface ToolContext {
  sandbox(): Promise<Sandbox>;
  signal: AbortSignal;
  /** Cap for a whole-file read and for edit (the SDK's `maxFileBytes`, 256 KiB by default). */
  maxFileBytes: number;
  /** Upper bound of any call's wall time. */
  maxCallMs: number;
  /** The session: its environment (network policy) and the agent's tool settings. */
  session: SessionHandsContext;
  /** Where web_search gets its results; none configured means web_search is disabled. */
  webSearch?: WebSearchProvider | undefined;
}

export interface ToolDefinition {
  spec: ToolSpec;
  /** Whether running it again after a crash is harmless (nothing written). */
  readOnly: boolean;
  /** Returns the result text; throws `ToolError` for an error result. */
  run(input: Record<string, unknown>, ctx: ToolContext): Promise<string>;
}

/** Light input checks: a missing field is the tool's own business (the SDK's "x is required"). */
export function optionalString(input: Record<string, unknown>, tool: string, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ToolError(`${tool}: ${field} must be a string`);
  return value;
}

export function optionalBoolean(input: Record<string, unknown>, tool: string, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ToolError(`${tool}: ${field} must be a boolean`);
  return value;
}

export function optionalInteger(input: Record<string, unknown>, tool: string, field: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ToolError(`${tool}: ${field} must be an integer`);
  return value;
}
