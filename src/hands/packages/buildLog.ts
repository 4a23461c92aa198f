import { closeSync, openSync, writeSync } from 'node:fs';

const TAIL_KEEP = 64 * 1024;

/** The install log of one layer build: everything on disk, the tail in memory for error results. */
export class BuildLog {
  #fd: number;
  #tail = '';

  constructor(readonly path: string) {
    this.#fd = openSync(path, 'a', 0o644);
  }

  write(text: string): void {
    writeSync(this.#fd, text);
    this.#tail = (this.#tail + text).slice(-TAIL_KEEP);
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** The last `lines` non-empty lines, at most `chars` characters. */
  tail(lines = 20, chars = 2000): string {
    const kept = this.#tail
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line !== '')
      .slice(-lines)
      .join('\n');
    return kept.length > chars ? `…${kept.slice(-chars)}` : kept;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
