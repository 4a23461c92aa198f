import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, ok, requireBubblewrap } from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(async () => {
  requireBubblewrap();
  f = handsFixture();
  ok(
    await f.call('bash', {
      command:
        'mkdir -p src/lib .git node_modules/pkg .hidden out && ' +
        'touch -d "2020-01-01" src/old.ts && touch -d "2021-01-01" src/lib/mid.ts && touch -d "2022-01-01" new.ts && ' +
        'touch src/readme.md .git/config.ts node_modules/pkg/index.ts .hidden/h.ts .dot.ts && ' +
        'ln -s /etc etclink && ln -s /usr/share/doc out/doclink',
    }),
  );
});
afterAll(() => f?.close());

describe('glob', () => {
  it('matches files under the workdir, newest first, as absolute paths', async () => {
    expect(ok(await f.call('glob', { pattern: '**/*.ts' }))).toBe(
      '/workspace/new.ts\n/workspace/src/lib/mid.ts\n/workspace/src/old.ts',
    );
  });

  it('matches within one directory level with *', async () => {
    expect(ok(await f.call('glob', { pattern: '*.ts' }))).toBe('/workspace/new.ts');
    expect(ok(await f.call('glob', { pattern: 'src/*' }))).toBe('/workspace/src/readme.md\n/workspace/src/old.ts');
  });

  it('searches below `path`, and braces expand', async () => {
    expect(ok(await f.call('glob', { pattern: '**/*.{md,ts}', path: 'src' }))).toBe(
      '/workspace/src/readme.md\n/workspace/src/lib/mid.ts\n/workspace/src/old.ts',
    );
  });

  it('skips dotfiles unless named, .git and node_modules, and never follows symlinks out', async () => {
    expect(ok(await f.call('glob', { pattern: '.*.ts' }))).toBe('/workspace/.dot.ts');
    expect(ok(await f.call('glob', { pattern: 'node_modules/**/*.ts' }))).toBe('no matches');
    expect(ok(await f.call('glob', { pattern: 'etclink/*' }))).toBe('no matches');
    expect(ok(await f.call('glob', { pattern: '**/*', path: 'out' }))).toBe('no matches');
  });

  it('uses the SDK error texts', async () => {
    expect(err(await f.call('glob', {}))).toBe('glob: pattern is required');
    expect(err(await f.call('glob', { pattern: '/etc/*' }))).toBe(
      'glob: absolute pattern not permitted; pass a relative pattern (and optionally path)',
    );
    expect(err(await f.call('glob', { pattern: '../*' }))).toBe('glob: ".." is not permitted in the pattern');
    expect(err(await f.call('glob', { pattern: '{a,..}/x' }))).toBe('glob: ".." is not permitted in the pattern');
    expect(err(await f.call('glob', { pattern: '*', path: '/etc' }))).toBe(
      'path "/etc" is outside the session\'s working directory',
    );
    expect(err(await f.call('glob', { pattern: '*', path: 'etclink' }))).toBe(
      'path "etclink" is outside the session\'s working directory',
    );
    expect(ok(await f.call('glob', { pattern: '*.nothing' }))).toBe('no matches');
    expect(ok(await f.call('glob', { pattern: '*', path: 'missing' }))).toBe('no matches');
  });
});
