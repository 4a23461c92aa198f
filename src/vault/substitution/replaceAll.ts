import { Transform, type TransformCallback } from 'node:stream';

/** One needle and what replaces it. */
export interface Replacement {
  from: Buffer;
  to: Buffer;
}

interface Match {
  start: number;
  end: number;
  to: Buffer;
}

/**
 * Matches left to right, never overlapping: at each point the earliest occurrence wins, the
 * longest needle on a tie. Replacements are not searched again, so a secret that happens to be a
 * substring of its own placeholder cannot loop. With `open` (a stream, more data to come), a tail
 * that may still grow into a needle stops the scan where it starts: `settled` is where it begins.
 */
function matches(
  data: Buffer,
  replacements: readonly Replacement[],
  open = false,
): { found: Match[]; settled: number } {
  const found: Match[] = [];
  const longest = Math.max(0, ...replacements.map((r) => r.from.length));
  let from = 0;
  for (;;) {
    let best: Match | null = null;
    for (const { from: needle, to } of replacements) {
      if (needle.length === 0) continue;
      const start = data.indexOf(needle, from);
      if (start < 0) continue;
      if (!best || start < best.start || (start === best.start && needle.length > best.end - best.start)) {
        best = { start, end: start + needle.length, to };
      }
    }
    const tail = open ? openTail(data, replacements, Math.max(from, data.length - longest + 1)) : data.length;
    // A needle that may complete with the next chunk starts no later than the best complete match: wait for it.
    if (tail < data.length && (!best || tail <= best.start)) return { found, settled: tail };
    if (!best) return { found, settled: data.length };
    found.push(best);
    from = best.end;
  }
}

/** The first position from `start` where the rest of `data` is a proper prefix of some needle, or its length. */
function openTail(data: Buffer, replacements: readonly Replacement[], start: number): number {
  for (let at = Math.max(0, start); at < data.length; at++) {
    const length = data.length - at;
    const tail = data.subarray(at);
    const grows = (r: Replacement) =>
      r.from.length > length && r.from[0] === data[at] && r.from.subarray(0, length).equals(tail);
    if (replacements.some(grows)) return at;
  }
  return data.length;
}

function splice(data: Buffer, found: readonly Match[], end: number): Buffer {
  if (found.length === 0) return data.subarray(0, end);
  const parts: Buffer[] = [];
  let at = 0;
  for (const match of found) {
    parts.push(data.subarray(at, match.start), match.to);
    at = match.end;
  }
  parts.push(data.subarray(at, end));
  return Buffer.concat(parts);
}

export function replaceAll(data: Buffer, replacements: readonly Replacement[]): Buffer {
  return splice(data, matches(data, replacements).found, data.length);
}

/** `replaceAll` on a string whose characters are bytes (a header value as Node's parser gives it). */
export function replaceAllLatin1(text: string, replacements: readonly Replacement[]): string {
  return replaceAll(Buffer.from(text, 'latin1'), replacements).toString('latin1');
}

/**
 * `replaceAll` over a stream. Only the tail that could still become a needle is held back (a
 * proper prefix of one), so a streamed response (SSE, chunked JSON) is not delayed when nothing
 * in it looks like a secret.
 */
export class ReplacingStream extends Transform {
  #pending: Buffer = Buffer.alloc(0);
  readonly #replacements: readonly Replacement[];

  constructor(replacements: readonly Replacement[]) {
    super();
    this.#replacements = replacements.filter((r) => r.from.length > 0);
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = Buffer.concat([this.#pending, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const { found, settled } = matches(data, this.#replacements, true);
    this.#pending = Buffer.from(data.subarray(settled));
    const out = splice(data, found, settled);
    if (out.length > 0) this.push(out);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#pending.length > 0) this.push(replaceAll(this.#pending, this.#replacements));
    this.#pending = Buffer.alloc(0);
    callback();
  }
}
