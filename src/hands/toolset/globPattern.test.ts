import { describe, expect, it } from 'vitest';
import { compileGlob, expandBraces } from './globPattern.js';

const matches = (pattern: string, path: string) => compileGlob(pattern)(path);

describe('compileGlob (fs.glob semantics)', () => {
  it.each([
    ['*.ts', 'a.ts', true],
    ['*.ts', 'dir/a.ts', false],
    ['**/*.ts', 'a.ts', true],
    ['**/*.ts', 'x/y/a.ts', true],
    ['src/**', 'src/a/b.c', true],
    ['src/**/b.c', 'src/b.c', true],
    ['src/**/b.c', 'src/x/y/b.c', true],
    ['**', 'a/b', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['[!ab].txt', 'c.txt', true],
    ['*.{js,ts}', 'a.ts', true],
    ['file{1..3}', 'file2', true],
    ['file{1..3}', 'file4', false],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    ['./a.ts', 'a.ts', true],
    ['a.(ts)', 'a.(ts)', true],
  ])('%s against %s is %s', (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });

  it('never lets a wildcard match a leading dot', () => {
    expect(matches('*', '.env')).toBe(false);
    expect(matches('**/*.ts', '.hidden/a.ts')).toBe(false);
    expect(matches('**/*.ts', 'a/.b.ts')).toBe(false);
    expect(matches('.*', '.env')).toBe(true);
    expect(matches('.hidden/*.ts', '.hidden/a.ts')).toBe(true);
  });

  it('expands nested braces and ranges', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('x{3..1}')).toEqual(['x3', 'x2', 'x1']);
    expect(expandBraces('{a..c}')).toEqual(['a', 'b', 'c']);
    expect(expandBraces('{single}')).toEqual(['\\{single\\}']);
  });
});
