import { spawn } from 'node:child_process';
import type { BuildLog } from './buildLog.js';

export interface StepOptions {
  env: Record<string, string>;
  cwd: string;
  /** The host user the step runs as (null: the server's own, when it is not root). */
  user: { uid: number; gid: number } | null;
  timeoutMs: number;
  log: BuildLog;
  /** How the step is named in the error, e.g. "npm install". */
  label: string;
  /** The command as the log shows it, when not `argv` itself (a sandbox's long bwrap line). */
  shown?: string;
}

/** A step of a layer build failed; the message names the step and why. */
export class StepFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailedError';
  }
}

/**
 * Runs one install step to completion with its output appended to the build log. The step gets
 * only `env` (never the server's environment, which holds API keys) and its own process group,
 * so a timeout kills everything it started.
 */
export function runStep(argv: string[], options: StepOptions): Promise<void> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new StepFailedError(`${options.label}: nothing to run`));
  options.log.line(`$ ${options.shown ?? argv.join(' ')}`);
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (proc.pid !== undefined) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          proc.kill('SIGKILL');
        }
      }
    }, options.timeoutMs);
    proc.stdout.on('data', (chunk: Buffer) => options.log.write(chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => options.log.write(chunk.toString('utf8')));
    proc.once('error', (error) => {
      clearTimeout(timer);
      reject(new StepFailedError(`${options.label} could not start: ${error.message}`));
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = timedOut
        ? `did not finish within ${Math.round(options.timeoutMs / 1000)} s`
        : signal
          ? `was killed by ${signal}`
          : `exited with status ${code}`;
      options.log.line(`[${options.label} ${why}]`);
      reject(new StepFailedError(`${options.label} ${why}`));
    });
  });
}
