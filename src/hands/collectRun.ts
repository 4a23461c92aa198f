import type { ChildProcess } from 'node:child_process';
import type { RunOutcome, SandboxCommand } from '../core/hands.js';

const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
const STDERR_MAX_BYTES = 64 * 1024;

/** Feeds stdin, gathers capped output, and enforces the wall time of a one-shot process. */
export function collectRun(
  proc: ChildProcess,
  command: SandboxCommand,
  signal: AbortSignal,
  kill: () => void,
): Promise<RunOutcome> {
  const maxOut = command.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;
  let truncated = false;
  let killedBy: RunOutcome['killedBy'];
  proc.stdout?.on('data', (chunk: Buffer) => {
    if (truncated) return;
    const room = maxOut - outBytes;
    if (chunk.length > room) {
      out.push(chunk.subarray(0, room));
      outBytes = maxOut;
      truncated = true;
      kill();
      return;
    }
    out.push(chunk);
    outBytes += chunk.length;
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    if (errBytes < STDERR_MAX_BYTES) err.push(chunk.subarray(0, STDERR_MAX_BYTES - errBytes));
    errBytes += chunk.length;
  });
  proc.stdin?.on('error', () => {});
  proc.stdin?.end(command.stdin ?? '');
  const stop = (why: 'timeout' | 'abort') => {
    killedBy ??= why;
    kill();
  };
  const timer = setTimeout(() => stop('timeout'), command.timeoutMs);
  const onAbort = () => stop('abort');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (sig && !killedBy && !truncated) killedBy = 'signal';
      resolve({
        exitCode: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        truncated,
        ...(killedBy ? { killedBy } : {}),
      });
    };
    proc.once('close', finish);
    proc.once('error', (error) => {
      err.push(Buffer.from(String(error)));
      finish(null, null);
    });
  });
}
