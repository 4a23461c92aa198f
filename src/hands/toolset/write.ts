import { writeFileInSandbox } from './fileWrite.js';
import { type ToolDefinition, optionalString } from './tool.js';
import { ToolError } from './toolError.js';

export const writeTool: ToolDefinition = {
  spec: {
    name: 'write',
    description: 'Write a UTF-8 text file relative to the workdir, creating parent directories as needed.',
    inputSchema: {
      type: 'object',
      properties: { file_path: { type: 'string' }, content: { type: 'string' } },
      required: ['file_path', 'content'],
    },
  },
  readOnly: false,
  run: async (input, ctx) => {
    const filePath = optionalString(input, 'write', 'file_path');
    if (!filePath) throw new ToolError('write: file_path is required');
    const content = optionalString(input, 'write', 'content') ?? '';
    await writeFileInSandbox(await ctx.sandbox(), filePath, content, ctx.signal, 'write');
    return `wrote ${Buffer.byteLength(content)} bytes to ${filePath}`;
  },
};
