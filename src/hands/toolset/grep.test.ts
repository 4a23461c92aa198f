import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, ok, requireBubblewrap } from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(async () => {
  requireBubblewrap();
  f = handsFixture();
  ok(
    await f.call('bash', {
      command:
        'mkdir -p src .git node_modules && printf "alpha\\nbeta 42\\ngamma\\n" > src/a.txt && printf "beta 7\\n" > b.txt && ' +
        'echo "beta in git" > .git/x && echo "beta dep" > node_modules/y && printf "beta\\0bin" > bin.dat && ' +
        'printf "beta %02000d\\n" 0 > long.txt && ln -s /etc/passwd pw',
    }),
  );
});
afterAll(() => f?.close());

const sorted = (text: string) => text.split('\n').sort().join('\n');

describe('grep', () => {
  it('prints file:line:text for each matching line, skipping .git, node_modules, binary and over-long lines', async () => {
    expect(sorted(ok(await f.call('grep', { pattern: 'beta' })))).toBe(
      '/workspace/b.txt:1:beta 7\n/workspace/src/a.txt:2:beta 42',
    );
  });

  it('takes JavaScript-style regexes and a path (a directory or one file)', async () => {
    expect(ok(await f.call('grep', { pattern: 'beta \\d{2}$', path: 'src' }))).toBe('/workspace/src/a.txt:2:beta 42');
    expect(ok(await f.call('grep', { pattern: '^(?:alpha|gamma)$', path: 'src/a.txt' }))).toBe(
      '/workspace/src/a.txt:1:alpha\n/workspace/src/a.txt:3:gamma',
    );
  });

  it('says no matches, including for a missing path', async () => {
    expect(ok(await f.call('grep', { pattern: 'zzz' }))).toBe('no matches');
    expect(ok(await f.call('grep', { pattern: 'x', path: 'missing' }))).toBe('no matches');
  });

  it('caps output at 100 KiB with the SDK marker', async () => {
    ok(await f.call('bash', { command: 'mkdir many && seq -f "needle %g" 1 20000 > many/n.txt' }));
    const out = ok(await f.call('grep', { pattern: 'needle', path: 'many' }));
    expect(out.endsWith('\n[output truncated at 102400 bytes]')).toBe(true);
    expect(out.length).toBeLessThan(103 * 1024);
  });

  it('uses the SDK error texts and stays in the workspace', async () => {
    expect(err(await f.call('grep', {}))).toBe('grep: pattern is required');
    expect(err(await f.call('grep', { pattern: '(' }))).toMatch(
      /^grep: invalid regex: Invalid regular expression: \/\(\/: /,
    );
    expect(err(await f.call('grep', { pattern: 'root', path: '/etc' }))).toBe(
      'path "/etc" is outside the session\'s working directory',
    );
    expect(err(await f.call('grep', { pattern: 'root', path: 'pw' }))).toBe(
      'path "pw" is outside the session\'s working directory',
    );
  });
});
