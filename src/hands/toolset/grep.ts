import { type ToolDefinition, optionalString } from './tool.js';
import { checkCommon, lexicalPath, toolbox } from './toolbox.js';
import { ToolError } from './toolError.js';

const GREP_OUTPUT_LIMIT = 100 * 1024;
const GREP_TIMEOUT_MS = 60_000;
const GREP_MAX_LINE_LENGTH = 2000;

/**
 * ripgrep when the sandbox has it (as the SDK prefers), otherwise GNU grep with PCRE, whose
 * syntax is close to the JavaScript regexes of the SDK's own walker. The pattern is checked as a
 * JavaScript regex first so an invalid one gets the SDK's message. Output is `file:line:text`.
 */
export const grepTool: ToolDefinition = {
  spec: {
    name: 'grep',
    description: 'Search file contents for a regex. Uses ripgrep if available, otherwise a built-in walker.',
    inputSchema: {
      type: 'object',
      properties: { pattern: { type: 'string' }, path: { type: 'string' } },
      required: ['pattern'],
    },
  },
  readOnly: true,
  run: async (input, ctx) => {
    const pattern = optionalString(input, 'grep', 'pattern');
    if (!pattern) throw new ToolError('grep: pattern is required');
    try {
      new RegExp(pattern);
    } catch (e) {
      throw new ToolError(`grep: invalid regex: ${e instanceof Error ? e.message : String(e)}`);
    }
    const searchPath = optionalString(input, 'grep', 'path');
    const sandbox = await ctx.sandbox();
    const root = searchPath ? lexicalPath(sandbox, searchPath) : sandbox.workdir;
    const timeoutMs = Math.min(GREP_TIMEOUT_MS, ctx.maxCallMs);
    const reply = await toolbox(sandbox, 'grep', [root, pattern], ctx.signal, {
      timeoutMs,
      maxOutputBytes: 4 * GREP_OUTPUT_LIMIT,
    });
    if (ctx.signal.aborted) throw new ToolError('grep: aborted');
    const timedOut = reply.run.killedBy === 'timeout';
    if (!timedOut) checkCommon(reply, 'grep', searchPath ?? '.', ctx.signal);
    if (reply.status === 'NOMATCH') return 'no matches';
    const hits = formatHits(reply.body);
    if (timedOut) {
      if (hits.length === 0) throw new ToolError(`grep: timed out after ${GREP_TIMEOUT_MS / 1000}s`);
      return [...hits, `[the search was cut short after ${GREP_TIMEOUT_MS} ms]`].join('\n');
    }
    if (hits.length === 0) {
      if (reply.run.exitCode === 1 || reply.run.exitCode === 0) return 'no matches';
      throw new ToolError(`grep: search failed: ${reply.run.stderr.trim() || `exit ${reply.run.exitCode}`}`);
    }
    return hits.join('\n');
  },
};

/** `file\0line:text` records to `file:line:text`, skipping over-long lines, capped like the SDK. */
function formatHits(body: string): string[] {
  const hits: string[] = [];
  let budget = GREP_OUTPUT_LIMIT;
  for (const record of body.split('\n')) {
    const nul = record.indexOf('\0');
    if (nul < 0) continue;
    const rest = record.slice(nul + 1);
    const colon = rest.indexOf(':');
    if (colon < 0 || rest.length - colon - 1 > GREP_MAX_LINE_LENGTH) continue;
    const line = `${record.slice(0, nul)}:${rest}`;
    budget -= line.length + 1;
    if (budget < 0) {
      hits.push(`[output truncated at ${GREP_OUTPUT_LIMIT} bytes]`);
      break;
    }
    hits.push(line);
  }
  return hits;
}
