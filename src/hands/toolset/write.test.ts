import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, ok, requireBubblewrap } from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(() => {
  requireBubblewrap();
  f = handsFixture();
});
afterAll(() => f?.close());

describe('write', () => {
  it('writes UTF-8 content, creating parent directories, and reports the byte count', async () => {
    expect(ok(await f.call('write', { file_path: 'a/b/c.txt', content: 'héllo\n' }))).toBe(
      'wrote 7 bytes to a/b/c.txt',
    );
    expect(ok(await f.call('bash', { command: 'cat a/b/c.txt; stat -c %a a a/b a/b/c.txt' }))).toBe(
      'héllo\n700\n700\n600',
    );
  });

  it('replaces a file atomically and keeps its mode', async () => {
    ok(await f.call('bash', { command: 'echo old > run.sh; chmod 755 run.sh' }));
    ok(await f.call('write', { file_path: '/workspace/run.sh', content: 'new' }));
    expect(
      ok(await f.call('bash', { command: 'cat run.sh; echo; stat -c %a run.sh; ls -a | grep -c tmp-bosun || true' })),
    ).toBe('new\n755\n0');
  });

  it('writes an empty file when content is missing, as the SDK does', async () => {
    expect(ok(await f.call('write', { file_path: 'empty.txt' }))).toBe('wrote 0 bytes to empty.txt');
  });

  it('uses the SDK error texts', async () => {
    ok(await f.call('bash', { command: 'mkdir -p adir; echo x > afile' }));
    expect(err(await f.call('write', { content: 'x' }))).toBe('write: file_path is required');
    expect(err(await f.call('write', { file_path: 'adir', content: 'x' }))).toBe('write: adir: is a directory');
    expect(err(await f.call('write', { file_path: 'afile/child', content: 'x' }))).toBe(
      'write: afile/child: not a directory',
    );
  });

  it('is confined to the workspace, through symlinks too', async () => {
    ok(await f.call('bash', { command: 'ln -s /tmp tmplink; ln -s /etc/passwd pwlink; ln -s ../../x dangling' }));
    for (const path of ['../x', '/tmp/x', 'tmplink/x', 'pwlink', 'dangling']) {
      expect(err(await f.call('write', { file_path: path, content: 'x' }))).toBe(
        `path "${path}" is outside the session's working directory`,
      );
    }
  });
});
