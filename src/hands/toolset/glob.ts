import { posix } from 'node:path';
import { compileGlob } from './globPattern.js';
import { type ToolDefinition, optionalString } from './tool.js';
import { checkCommon, lexicalPath, toolbox } from './toolbox.js';
import { ToolError } from './toolError.js';

const GLOB_RESULT_LIMIT = 200;
const WALK_MAX_ENTRIES = 50_000;

/** Best-effort, as in the SDK: a literal or brace-expanded `..` would walk out of the root. */
function patternCanAscend(pattern: string): boolean {
  return pattern.split(/[\\/{},]/).includes('..');
}

export const globTool: ToolDefinition = {
  spec: {
    name: 'glob',
    description: 'Match files under the workdir against a glob pattern. Results are mtime-sorted, newest first.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string' },
        path: { type: 'string', description: 'Directory to search in. Defaults to the workdir.' },
      },
      required: ['pattern'],
    },
  },
  readOnly: true,
  run: async (input, ctx) => {
    const pattern = optionalString(input, 'glob', 'pattern');
    if (!pattern) throw new ToolError('glob: pattern is required');
    if (posix.isAbsolute(pattern)) {
      throw new ToolError('glob: absolute pattern not permitted; pass a relative pattern (and optionally path)');
    }
    if (patternCanAscend(pattern)) throw new ToolError('glob: ".." is not permitted in the pattern');
    const searchPath = optionalString(input, 'glob', 'path');
    const sandbox = await ctx.sandbox();
    const root = searchPath ? lexicalPath(sandbox, searchPath) : sandbox.workdir;
    const reply = await toolbox(sandbox, 'list', [root, String(WALK_MAX_ENTRIES)], ctx.signal, {
      timeoutMs: Math.min(60_000, ctx.maxCallMs),
    });
    checkCommon(reply, 'glob', searchPath ?? '.', ctx.signal);
    // fs.glob on a missing or non-directory cwd finds nothing.
    if (reply.status !== 'OK') return 'no matches';
    const realRoot = reply.detail;
    const matches = compileGlob(pattern);
    const found: Array<{ path: string; mtime: number }> = [];
    for (const entry of reply.body.split('\0')) {
      const space = entry.indexOf(' ');
      if (space < 0) continue;
      const relative = entry.slice(space + 1);
      if (matches(relative)) found.push({ path: posix.join(realRoot, relative), mtime: Number(entry.slice(0, space)) });
    }
    if (found.length === 0) return 'no matches';
    found.sort((a, b) => b.mtime - a.mtime);
    return found
      .slice(0, GLOB_RESULT_LIMIT)
      .map((m) => m.path)
      .join('\n');
  },
};
