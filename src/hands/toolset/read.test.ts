import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, ok, requireBubblewrap } from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(async () => {
  requireBubblewrap();
  f = handsFixture({ maxFileBytes: 1024 });
  ok(
    await f.call('bash', {
      command:
        "printf 'one\\ntwo\\nthree\\n' > small.txt; printf 'a\\nb' > nonl.txt; mkfifo fifo; mkdir dir; " +
        "seq -f 'line %g' 1 500 > big.txt; head -c 3000 /dev/zero | tr '\\0' x > oneline.txt; " +
        'echo secret > /tmp/outside.txt; ln -s /etc/hostname hostlink; ln -s small.txt inlink; ln -s loop loop; ' +
        'echo root-only > private.txt; chmod 000 private.txt',
    }),
  );
});
afterAll(() => f?.close());

describe('read', () => {
  it('reads a whole file, relative or absolute inside the workspace', async () => {
    expect(ok(await f.call('read', { file_path: 'small.txt' }))).toBe('one\ntwo\nthree\n');
    expect(ok(await f.call('read', { file_path: '/workspace/small.txt' }))).toBe('one\ntwo\nthree\n');
    expect(ok(await f.call('read', { file_path: 'dir/../small.txt' }))).toBe('one\ntwo\nthree\n');
    expect(ok(await f.call('read', { file_path: 'inlink' }))).toBe('one\ntwo\nthree\n');
  });

  it('slices view_range like the SDK: 1-indexed, inclusive, end <= 0 means to the end', async () => {
    expect(ok(await f.call('read', { file_path: 'small.txt', view_range: [2, 2] }))).toBe('two');
    expect(ok(await f.call('read', { file_path: 'small.txt', view_range: [2, 3] }))).toBe('two\nthree');
    expect(ok(await f.call('read', { file_path: 'small.txt', view_range: [2, -1] }))).toBe('two\nthree\n');
    expect(ok(await f.call('read', { file_path: 'small.txt', view_range: [0, 1] }))).toBe('one');
    expect(ok(await f.call('read', { file_path: 'small.txt', view_range: [] }))).toBe('one\ntwo\nthree\n');
    expect(ok(await f.call('read', { file_path: 'nonl.txt', view_range: [2, 5] }))).toBe('b');
  });

  it('refuses a whole-file read over the cap and streams a view_range of it instead', async () => {
    expect(err(await f.call('read', { file_path: 'big.txt' }))).toBe(
      'read: big.txt is 4392 bytes, exceeds 1024-byte limit. Use the view_range parameter to read specific line ranges, e.g. view_range: [1, 500].',
    );
    expect(ok(await f.call('read', { file_path: 'big.txt', view_range: [499, 500] }))).toBe('line 499\nline 500');
    expect(ok(await f.call('read', { file_path: 'big.txt', view_range: [499, 0] }))).toBe('line 499\nline 500\n');
    expect(ok(await f.call('read', { file_path: 'big.txt', view_range: [499, 900] }))).toBe('line 499\nline 500\n');
    expect(ok(await f.call('read', { file_path: 'big.txt', view_range: [5, 3] }))).toBe('');
    expect(err(await f.call('read', { file_path: 'big.txt', view_range: [1, 400] }))).toBe(
      'read: view_range [1, 400] of big.txt exceeds 1024-byte limit. Narrow the view_range to read a smaller portion.',
    );
  });

  it('explains a single line that alone exceeds the cap', async () => {
    expect(err(await f.call('read', { file_path: 'oneline.txt', view_range: [1, 1] }))).toBe(
      'read: line 1 of oneline.txt alone exceeds 1024-byte limit. The read tool cannot return part of a line, so view_range cannot narrow this further.',
    );
  });

  it('uses the SDK error texts', async () => {
    expect(err(await f.call('read', {}))).toBe('read: file_path is required');
    expect(err(await f.call('read', { file_path: 'small.txt', view_range: [1] }))).toBe(
      'read: view_range must be [start_line, end_line]',
    );
    expect(err(await f.call('read', { file_path: 'missing.txt' }))).toBe(
      'read: missing.txt: no such file or directory',
    );
    expect(err(await f.call('read', { file_path: 'dir' }))).toBe('read: dir is not a regular file');
    expect(err(await f.call('read', { file_path: 'fifo' }))).toBe('read: fifo is not a regular file');
    expect(err(await f.call('read', { file_path: 'private.txt' }))).toBe('read: private.txt: permission denied');
    expect(err(await f.call('read', { file_path: 'loop' }))).toBe('path "loop": too many levels of symbolic links');
  });

  it('is confined to the workspace: no .. and no symlink escape', async () => {
    expect(err(await f.call('read', { file_path: '../etc/passwd' }))).toBe(
      'path "../etc/passwd" is outside the session\'s working directory',
    );
    expect(err(await f.call('read', { file_path: '/tmp/outside.txt' }))).toBe(
      'path "/tmp/outside.txt" is outside the session\'s working directory',
    );
    expect(err(await f.call('read', { file_path: 'hostlink' }))).toBe(
      'path "hostlink" is outside the session\'s working directory',
    );
  });
});
