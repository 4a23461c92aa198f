import { writeFileInSandbox } from './fileWrite.js';
import { errnoFromText, fsErrorMessage } from './fsErrors.js';
import { type ToolDefinition, optionalBoolean, optionalString } from './tool.js';
import { checkCommon, lexicalPath, toolbox } from './toolbox.js';
import { ToolError } from './toolError.js';

export const editTool: ToolDefinition = {
  spec: {
    name: 'edit',
    description: 'Replace old_string with new_string in a file. old_string must be unique unless replace_all.',
    inputSchema: {
      type: 'object',
      properties: {
        file_path: { type: 'string' },
        old_string: { type: 'string' },
        new_string: { type: 'string' },
        replace_all: { type: 'boolean' },
      },
      required: ['file_path', 'old_string', 'new_string'],
    },
  },
  readOnly: false,
  run: async (input, ctx) => {
    const filePath = optionalString(input, 'edit', 'file_path');
    if (!filePath) throw new ToolError('edit: file_path is required');
    const oldString = optionalString(input, 'edit', 'old_string');
    if (!oldString) throw new ToolError('edit: old_string is required');
    const newString = optionalString(input, 'edit', 'new_string') ?? '';
    const replaceAll = optionalBoolean(input, 'edit', 'replace_all') ?? false;
    const sandbox = await ctx.sandbox();
    const limit = ctx.maxFileBytes;
    const reply = await toolbox(sandbox, 'read', [lexicalPath(sandbox, filePath), String(limit)], ctx.signal, {
      maxOutputBytes: limit + 256,
    });
    checkCommon(reply, 'edit', filePath, ctx.signal);
    if (reply.status === 'NOTREG') throw new ToolError(`edit: ${filePath} is not a regular file`);
    if (reply.status === 'ERR') throw new ToolError(`edit: ${fsErrorMessage(errnoFromText(reply.detail), filePath)}`);
    if (reply.status === 'TOOBIG' || reply.run.truncated) {
      const size = reply.status === 'TOOBIG' ? reply.detail : `over ${limit}`;
      throw new ToolError(
        `edit: ${filePath} is ${size} bytes, exceeds ${limit}-byte limit. ` +
          'The edit tool loads the whole file and cannot modify a file this large.',
      );
    }
    if (reply.run.exitCode !== 0)
      throw new ToolError(`edit: ${fsErrorMessage(errnoFromText(reply.run.stderr), filePath)}`);
    const data = reply.body;
    const count = data.split(oldString).length - 1;
    if (count === 0) throw new ToolError(`edit: old_string not found in ${filePath}`);
    if (!replaceAll && count > 1)
      throw new ToolError(`edit: old_string appears ${count} times in ${filePath} (must be unique)`);
    // The callback keeps `$&`, `$1`… in new_string literal.
    const updated = replaceAll ? data.split(oldString).join(newString) : data.replace(oldString, () => newString);
    await writeFileInSandbox(sandbox, filePath, updated, ctx.signal, 'edit');
    return `edited ${filePath} (${replaceAll ? count : 1} replacement(s))`;
  },
};
