import type { ToolResult } from '../../core/hands.js';
import type { ToolSpec } from '../../core/modelProvider.js';
import { bashTool } from './bash.js';
import { editTool } from './edit.js';
import { globTool } from './glob.js';
import { grepTool } from './grep.js';
import { readTool } from './read.js';
import type { ToolContext, ToolDefinition } from './tool.js';
import { errorResult, textResult, ToolError } from './toolError.js';
import { webFetchTool, webSearchTool } from './web.js';
import { writeTool } from './write.js';

/** `agent_toolset_20260401`, by tool name. */
export const AGENT_TOOLSET: ReadonlyMap<string, ToolDefinition> = new Map(
  [bashTool, readTool, writeTool, editTool, globTool, grepTool, webFetchTool, webSearchTool].map((t) => [
    t.spec.name,
    t,
  ]),
);

/** Descriptions and input schemas for the model request (the brain's `builtinToolSpecs`). */
export const AGENT_TOOLSET_SPECS: ReadonlyMap<string, ToolSpec> = new Map(
  [...AGENT_TOOLSET].map(([name, tool]) => [name, tool.spec]),
);

/** Runs a tool; anything it throws becomes an error result, never an exception. */
export async function runTool(tool: ToolDefinition, input: unknown, ctx: ToolContext): Promise<ToolResult> {
  try {
    const args =
      typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
    return textResult(await tool.run(args, ctx));
  } catch (error) {
    if (error instanceof ToolError) return errorResult(error.message);
    return errorResult(`${tool.spec.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export type { ToolContext, ToolDefinition } from './tool.js';
