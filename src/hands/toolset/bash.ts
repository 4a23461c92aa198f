import type { LimitHit } from '../../core/hands.js';
import { type ToolDefinition, optionalBoolean, optionalInteger, optionalString } from './tool.js';
import { abortText, ToolError } from './toolError.js';

const BASH_OUTPUT_LIMIT = 100 * 1024;
const BASH_DEFAULT_TIMEOUT_MS = 120_000;

export const bashTool: ToolDefinition = {
  spec: {
    name: 'bash',
    description: 'Run a bash command in a persistent shell. State (cwd, env vars) persists across calls.',
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command to run' },
        restart: { type: 'boolean', description: 'Restart the persistent shell before running' },
        timeout_ms: { type: 'integer', description: 'Per-call timeout in milliseconds' },
      },
    },
  },
  readOnly: false,
  run: async (input, ctx) => {
    const command = optionalString(input, 'bash', 'command');
    const restart = optionalBoolean(input, 'bash', 'restart') ?? false;
    const requested = optionalInteger(input, 'bash', 'timeout_ms') ?? BASH_DEFAULT_TIMEOUT_MS;
    const sandbox = await ctx.sandbox();
    if (restart) await sandbox.restartShell();
    if (!command) {
      if (restart) return 'bash session restarted';
      throw new ToolError('bash: command is required');
    }
    const timeoutMs = Math.min(Math.max(requested, 1), ctx.maxCallMs);
    const outcome = await sandbox.exec(command, { timeoutMs, maxOutputChars: BASH_OUTPUT_LIMIT }, ctx.signal);
    switch (outcome.status) {
      case 'timed_out':
        throw new ToolError(`bash: bash command timed out after ${timeoutMs}ms${limitNote(outcome.limitHit)}`);
      case 'aborted':
        throw new ToolError(`bash: ${abortText(ctx.signal)}`);
      case 'died':
        throw new ToolError(
          `bash: bash session terminated (${outcome.reason}). Files in ${sandbox.workdir} are kept; ` +
            'the next command starts a fresh shell.',
        );
      case 'exited': {
        const output =
          (outcome.truncated ? `[output truncated]\n${outcome.output}` : outcome.output) + limitNote(outcome.limitHit);
        if (outcome.exitCode !== 0) throw new ToolError(output || `exit ${outcome.exitCode}`);
        return output;
      }
    }
  },
};

function limitNote(hit: LimitHit | undefined): string {
  if (hit === 'memory') return "\n[a process was killed: the sandbox's memory limit was reached]";
  if (hit === 'pids') return "\n[process creation failed: the sandbox's process limit was reached]";
  return '';
}
