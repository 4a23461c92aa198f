import type { ToolDefinition } from './tool.js';
import { ToolError } from './toolError.js';

/**
 * Placeholders until the egress proxy and a search provider exist: a clear error the model can
 * act on, and no sandbox is provisioned for them.
 */
export const webFetchTool: ToolDefinition = {
  spec: {
    name: 'web_fetch',
    description: 'Fetch the content of a URL.',
    inputSchema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
  },
  readOnly: true,
  run: () => Promise.reject(new ToolError('web_fetch is not available: no egress proxy configured')),
};

export const webSearchTool: ToolDefinition = {
  spec: {
    name: 'web_search',
    description: 'Search the web.',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
  readOnly: true,
  run: () => Promise.reject(new ToolError('web_search is disabled: no search provider configured')),
};
