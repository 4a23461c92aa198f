import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';

export type ShellRunResult =
  | { status: 'exited'; exitCode: number; output: string; truncated: boolean }
  | { status: 'timed_out' }
  | { status: 'aborted' }
  | { status: 'died' };

export interface ShellExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the process wrote to stderr before the shell took over its stderr (launcher errors). */
  stderr: string;
}

// eslint-disable-next-line no-control-regex -- matching terminal escapes is the point
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const STDERR_KEEP = 4096;

/**
 * A persistent bash driven over pipes, one command at a time, framed like the SDK's
 * `BashSession`: stdin from /dev/null, stderr folded into stdout, then a per-command random
 * sentinel carrying the exit status, so output cannot forge the end of a command. Unlike the SDK
 * the command is passed to `eval` as one quoted word, so a syntax error or an unterminated quote
 * is an exit status of 2 instead of a dead shell or a hang until the timeout. The process is a
 * sandboxed bash (or a plain one for the local backend); killing it is the owner's job.
 */
export class PersistentShell {
  readonly exited: Promise<ShellExit>;
  #exit: ShellExit | null = null;
  #buf = '';
  #truncated = false;
  #maxChars = 0;
  #stderr = '';
  #wake: (() => void) | null = null;

  constructor(
    readonly proc: ChildProcess,
    preamble: string,
  ) {
    const { stdin, stdout, stderr } = proc;
    if (!stdin || !stdout || !stderr) throw new Error('a persistent shell needs piped stdio');
    stdout.setEncoding('utf8');
    stderr.setEncoding('utf8');
    stdout.on('data', (chunk: string) => this.#append(chunk));
    stderr.on('data', (chunk: string) => {
      if (this.#stderr.length < STDERR_KEEP) this.#stderr += chunk.slice(0, STDERR_KEEP - this.#stderr.length);
    });
    // A write to a shell that just died must not crash the server.
    stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      proc.once('close', (code, signal) => {
        this.#exit = { code, signal, stderr: this.#stderr.trim() };
        this.#wake?.();
        resolve(this.#exit);
      });
      proc.once('error', () => {
        this.#exit ??= { code: null, signal: null, stderr: this.#stderr.trim() };
        this.#wake?.();
        resolve(this.#exit);
      });
    });
    // `exec 2>&1` makes the shell's own messages (syntax errors, "Killed") part of the output, in order.
    stdin.write(`exec 2>&1\nPS1=; PS2=\n${preamble}\n`);
  }

  get alive(): boolean {
    return this.#exit === null;
  }

  /** Runs one command; the caller serializes calls and kills the shell after a timeout or abort. */
  async run(command: string, timeoutMs: number, maxOutputChars: number, signal: AbortSignal): Promise<ShellRunResult> {
    if (!this.alive) return { status: 'died' };
    if (signal.aborted) return { status: 'aborted' };
    this.#buf = '';
    this.#truncated = false;
    this.#maxChars = Math.max(maxOutputChars, 256);
    const sentinel = `__BOSUN_${randomUUID().replaceAll('-', '')}_DONE__`;
    // The split keeps the literal sentinel out of what is echoed back: only printf joins it.
    const split = `${sentinel.slice(0, 8)}''${sentinel.slice(8)}`;
    const done = new RegExp(`\\n?${sentinel}(-?\\d+)\\n`);
    this.proc.stdin?.write(`eval ${ansiCQuote(command)} </dev/null 2>&1; printf '\\n${split}%d\\n' $?\n`);

    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = await new Promise<'done' | 'timed_out' | 'aborted' | 'died'>((resolve) => {
      const check = () => {
        if (done.test(this.#buf)) resolve('done');
        else if (!this.alive) resolve('died');
      };
      this.#wake = check;
      timer = setTimeout(() => resolve('timed_out'), timeoutMs);
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    this.#wake = null;
    if (outcome !== 'done') return { status: outcome };

    const match = done.exec(this.#buf);
    const exitCode = Number(match?.[1] ?? -1);
    const output = this.#buf
      .slice(0, match?.index ?? this.#buf.length)
      .replace(ANSI_RE, '')
      .replace(/\n+$/, '');
    this.#buf = '';
    return { status: 'exited', exitCode, output, truncated: this.#truncated };
  }

  /** Keeps the tail of an unbounded stream (the sentinel is at its end) so memory stays bounded. */
  #append(chunk: string): void {
    this.#buf += chunk;
    if (this.#maxChars > 0 && this.#buf.length > this.#maxChars + 512) {
      this.#buf = this.#buf.slice(this.#buf.length - this.#maxChars);
      this.#truncated = true;
    }
    this.#wake?.();
  }
}

/** Bash ANSI-C quoting (`$'…'`): any text, newlines and control characters included, as one word. */
export function ansiCQuote(text: string): string {
  const escaped = text
    .replace(/[\\']/g, (c) => `\\${c}`)
    // eslint-disable-next-line no-control-regex -- control characters are what needs escaping
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `$'${escaped}'`;
}
