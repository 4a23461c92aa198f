import { errnoFromText, fsErrorMessage } from './fsErrors.js';
import { type ToolDefinition, optionalString } from './tool.js';
import { checkCommon, lexicalPath, toolbox } from './toolbox.js';
import { ToolError } from './toolError.js';

type ViewRange = [number, number];

export const readTool: ToolDefinition = {
  spec: {
    name: 'read',
    description: 'Read a UTF-8 text file relative to the workdir.',
    inputSchema: {
      type: 'object',
      properties: {
        file_path: { type: 'string' },
        view_range: {
          type: 'array',
          items: { type: 'integer' },
          description: '[start_line, end_line] 1-indexed inclusive',
        },
      },
      required: ['file_path'],
    },
  },
  readOnly: true,
  run: async (input, ctx) => {
    const filePath = optionalString(input, 'read', 'file_path');
    if (!filePath) throw new ToolError('read: file_path is required');
    const range = viewRange(input['view_range']);
    const sandbox = await ctx.sandbox();
    const limit = ctx.maxFileBytes;
    const start = range ? Math.max(0, range[0] - 1) : 0;
    const end = range && range[1] > 0 ? range[1] : Infinity;
    const sedRange = range ? [String(start + 1), Number.isFinite(end) ? String(end) : '$'] : [];
    const reply = await toolbox(
      sandbox,
      'read',
      [lexicalPath(sandbox, filePath), String(limit), ...sedRange],
      ctx.signal,
      {
        maxOutputBytes: limit + 256,
      },
    );
    checkCommon(reply, 'read', filePath, ctx.signal);
    const { status, detail, body, run } = reply;
    if (status === 'NOTREG') throw new ToolError(`read: ${filePath} is not a regular file`);
    if (status === 'ERR') throw new ToolError(`read: ${fsErrorMessage(errnoFromText(detail), filePath)}`);
    if (status === 'TOOBIG') {
      throw new ToolError(
        `read: ${filePath} is ${detail} bytes, exceeds ${limit}-byte limit. ` +
          'Use the view_range parameter to read specific line ranges, e.g. view_range: [1, 500].',
      );
    }
    if (run.exitCode !== 0 && !run.truncated) {
      throw new ToolError(`read: ${fsErrorMessage(errnoFromText(run.stderr), filePath)}`);
    }
    if (status === 'RANGE')
      return rangeOfLargeFile(body, run.truncated, { filePath, range: range ?? [1, 0], start, end, limit });
    if (run.truncated) throw new ToolError(`read: ${filePath} grew past the ${limit}-byte limit while it was read`);
    if (!range) return body;
    return body.split('\n').slice(start, end).join('\n');
  },
};

/** `undefined` or `[]` read the whole file, as in the SDK; anything else must be two integers. */
function viewRange(value: unknown): ViewRange | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  if (Array.isArray(value) && value.length === 2 && value.every((n) => Number.isInteger(n))) return value as ViewRange;
  throw new ToolError('read: view_range must be [start_line, end_line]');
}

/**
 * The SDK streams a view_range of a file over the cap and caps the selected bytes; here sed
 * selects the lines in the sandbox, and the line after the last requested one loses its newline
 * exactly as the SDK's collector drops it.
 */
function rangeOfLargeFile(
  body: string,
  truncated: boolean,
  r: { filePath: string; range: ViewRange; start: number; end: number; limit: number },
): string {
  if (r.end <= r.start) return '';
  let text = body;
  const lines = (text.match(/\n/g) ?? []).length;
  if (Number.isFinite(r.end) && lines === r.end - r.start && text.endsWith('\n')) text = text.slice(0, -1);
  if (truncated || Buffer.byteLength(text) > r.limit) {
    if (r.end - r.start === 1) {
      throw new ToolError(
        `read: line ${r.start + 1} of ${r.filePath} alone exceeds ${r.limit}-byte limit. ` +
          'The read tool cannot return part of a line, so view_range cannot narrow this further.',
      );
    }
    throw new ToolError(
      `read: view_range [${r.range[0]}, ${r.range[1]}] of ${r.filePath} exceeds ${r.limit}-byte limit. ` +
        'Narrow the view_range to read a smaller portion.',
    );
  }
  return text;
}
