import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, ok, requireBubblewrap } from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(() => {
  requireBubblewrap();
  f = handsFixture({ maxFileBytes: 1024 });
});
afterAll(() => f?.close());

const content = async (path: string) => ok(await f.call('read', { file_path: path }));

describe('edit', () => {
  it('replaces a unique old_string', async () => {
    ok(await f.call('write', { file_path: 'f.txt', content: 'alpha beta gamma' }));
    expect(ok(await f.call('edit', { file_path: 'f.txt', old_string: 'beta', new_string: 'BETA' }))).toBe(
      'edited f.txt (1 replacement(s))',
    );
    expect(await content('f.txt')).toBe('alpha BETA gamma');
  });

  it('refuses an ambiguous old_string unless replace_all', async () => {
    ok(await f.call('write', { file_path: 'g.txt', content: 'x-x-x' }));
    expect(err(await f.call('edit', { file_path: 'g.txt', old_string: 'x', new_string: 'y' }))).toBe(
      'edit: old_string appears 3 times in g.txt (must be unique)',
    );
    expect(ok(await f.call('edit', { file_path: 'g.txt', old_string: 'x', new_string: 'y', replace_all: true }))).toBe(
      'edited g.txt (3 replacement(s))',
    );
    expect(await content('g.txt')).toBe('y-y-y');
  });

  it('inserts replacement patterns like $& literally', async () => {
    ok(await f.call('write', { file_path: 'h.txt', content: 'price' }));
    ok(await f.call('edit', { file_path: 'h.txt', old_string: 'price', new_string: "$& $1 $' cost" }));
    expect(await content('h.txt')).toBe("$& $1 $' cost");
  });

  it('keeps the mode of the edited file', async () => {
    ok(await f.call('bash', { command: 'printf "echo 1" > s.sh; chmod 750 s.sh' }));
    ok(await f.call('edit', { file_path: 's.sh', old_string: '1', new_string: '2' }));
    expect(ok(await f.call('bash', { command: 'stat -c %a s.sh; ./s.sh' }))).toBe('750\n2');
  });

  it('uses the SDK error texts', async () => {
    ok(await f.call('bash', { command: 'mkdir -p d; seq 1 1000 > big.txt' }));
    expect(err(await f.call('edit', { old_string: 'a', new_string: 'b' }))).toBe('edit: file_path is required');
    expect(err(await f.call('edit', { file_path: 'f.txt', new_string: 'b' }))).toBe('edit: old_string is required');
    expect(err(await f.call('edit', { file_path: 'f.txt', old_string: 'zzz', new_string: 'b' }))).toBe(
      'edit: old_string not found in f.txt',
    );
    expect(err(await f.call('edit', { file_path: 'nope.txt', old_string: 'a', new_string: 'b' }))).toBe(
      'edit: nope.txt: no such file or directory',
    );
    expect(err(await f.call('edit', { file_path: 'd', old_string: 'a', new_string: 'b' }))).toBe(
      'edit: d is not a regular file',
    );
    expect(err(await f.call('edit', { file_path: 'big.txt', old_string: '1', new_string: 'b' }))).toBe(
      'edit: big.txt is 3893 bytes, exceeds 1024-byte limit. The edit tool loads the whole file and cannot modify a file this large.',
    );
  });

  it('is confined to the workspace', async () => {
    ok(await f.call('bash', { command: 'ln -s /etc/hostname hn' }));
    expect(err(await f.call('edit', { file_path: 'hn', old_string: 'a', new_string: 'b' }))).toBe(
      'path "hn" is outside the session\'s working directory',
    );
    expect(err(await f.call('edit', { file_path: '/etc/hostname', old_string: 'a', new_string: 'b' }))).toBe(
      'path "/etc/hostname" is outside the session\'s working directory',
    );
  });
});
