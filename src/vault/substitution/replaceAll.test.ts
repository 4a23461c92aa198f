import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Replacement, ReplacingStream, replaceAll, replaceAllLatin1 } from './replaceAll.js';

const r = (from: string, to: string): Replacement => ({ from: Buffer.from(from), to: Buffer.from(to) });
const run = (text: string, replacements: Replacement[]) => replaceAll(Buffer.from(text), replacements).toString();

async function stream(chunks: string[], replacements: Replacement[]): Promise<string> {
  const out: Buffer[] = [];
  const replacing = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new ReplacingStream(replacements));
  for await (const chunk of replacing) out.push(chunk as Buffer);
  return Buffer.concat(out).toString();
}

describe('replaceAll', () => {
  it('replaces every occurrence, earliest first and longest on a tie, never re-scanning what it put in', () => {
    expect(run('a SECRET and SECRET.', [r('SECRET', 'P')])).toBe('a P and P.');
    expect(run('abcd', [r('bc', '1'), r('abc', '2')])).toBe('2d');
    expect(run('abc', [r('ab', '1'), r('abc', '2')])).toBe('2');
    // the replacement contains the needle: no loop, no double replacement
    expect(run('x', [r('x', 'xx')])).toBe('xx');
    expect(run('nothing here', [r('SECRET', 'P')])).toBe('nothing here');
    expect(run('', [r('SECRET', 'P')])).toBe('');
  });

  it('works on header strings byte for byte', () => {
    const utf8 = Buffer.from('s€cret').toString('latin1');
    expect(replaceAllLatin1(`Bearer ${utf8}`, [r('s€cret', 'P')])).toBe('Bearer P');
  });
});

describe('ReplacingStream', () => {
  it('finds a needle split across chunks at every possible point', async () => {
    const text = 'head SECRET middle SECRET tail';
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j += 3) {
        const chunks = [text.slice(0, i), text.slice(i, j), text.slice(j)];
        expect(await stream(chunks, [r('SECRET', 'P'), r('ECR', 'Q')])).toBe('head P middle P tail');
      }
    }
  });

  it('gives the same answer as replacing the whole text, however the text is cut (random texts and cuts)', async () => {
    const needles = [r('abab', '1'), r('ba', '2'), r('aab', '3'), r('bbbab', '4')];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: 5 + Math.floor(next() * 30) }, () => (next() < 0.5 ? 'a' : 'b')).join('');
      const chunks: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(next() * 4);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      expect(await stream(chunks, needles)).toBe(run(text, needles));
    }
  });

  it('holds back only a tail that could start a needle, so unrelated streamed data is not delayed', () => {
    const replacing = new ReplacingStream([r('SECRET', 'P')]);
    const seen: string[] = [];
    replacing.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    replacing.write('event: one\n\n');
    expect(seen.join('')).toBe('event: one\n\n');
    replacing.write('data: SEC');
    expect(seen.join('')).toBe('event: one\n\ndata: ');
    replacing.write('RET!');
    expect(seen.join('')).toBe('event: one\n\ndata: P!');
    replacing.write('SE');
    replacing.end();
    expect(seen.join('')).toBe('event: one\n\ndata: P!SE');
  });
});
