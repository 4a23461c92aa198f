import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, newSession, ok, requireBubblewrap, text } from './handsFixture.js';

/**
 * What a sandboxed session can see of the host: nothing but read-only system files, its own
 * workspace, private tmpfs mounts and its own processes. Every attempt runs for real.
 */
const SECRET_ENV = 'BOSUN_ESCAPE_TEST_SECRET';
const SECRET = 'sk-escape-test-0123456789';

let f: HandsFixture;
beforeAll(async () => {
  requireBubblewrap();
  process.env[SECRET_ENV] = SECRET;
  f = handsFixture();
  writeFileSync(join(f.dataDir, 'server-secret.txt'), SECRET);
  ok(await f.call('bash', { command: 'echo warm' }));
});
afterAll(async () => {
  delete process.env[SECRET_ENV];
  await f?.close();
});

describe('escape suite: the filesystem and the process table', () => {
  it('cannot read /etc/shadow or other host credentials files', async () => {
    expect(err(await f.call('bash', { command: 'cat /etc/shadow' }))).toMatch(/No such file or directory/);
    const etc = ok(await f.call('bash', { command: 'ls -A /etc' })).split('\n');
    for (const name of ['shadow', 'gshadow', 'sudoers', 'npmrc', 'environment', 'ssh']) expect(etc).not.toContain(name);
    expect(ok(await f.call('bash', { command: 'cat /etc/passwd' }))).not.toMatch(/^(?!root|agent|nobody)/m);
    expect(err(await f.call('read', { file_path: '/etc/shadow' }))).toBe(
      'path "/etc/shadow" is outside the session\'s working directory',
    );
  });

  it("cannot see the server's data dir, its results or its secrets", async () => {
    expect(err(await f.call('bash', { command: `ls ${f.dataDir}` }))).toMatch(/No such file or directory/);
    expect(
      err(await f.call('bash', { command: `ls ${join(f.dataDir, 'hands', f.session.sessionId, 'results')}` })),
    ).toMatch(/No such file or directory/);
    const search = ok(
      await f.call('bash', {
        command: `grep -rls ${SECRET} / --exclude-dir=proc --exclude-dir=usr --exclude-dir=dev; true`,
      }),
    );
    expect(search).toBe('');
    expect(ok(await f.call('bash', { command: "tr '\\0' ' ' < /proc/1/cmdline" }))).not.toContain(f.dataDir);
  });

  it("cannot see another session's workspace, even knowing its host path", async () => {
    const other = newSession();
    ok(await f.call('bash', { command: 'echo OTHER-SESSION-SECRET > mine.txt' }, { session: other }));
    const otherWorkspace = join(f.dataDir, 'hands', other.sessionId, 'workspace');
    expect(err(await f.call('bash', { command: `cat ${otherWorkspace}/mine.txt` }))).toMatch(
      /No such file or directory/,
    );
    expect(
      ok(
        await f.call('bash', {
          command: 'grep -rls OTHER-SESSION-SECRET / --exclude-dir=proc --exclude-dir=usr; true',
        }),
      ),
    ).toBe('');
    expect(err(await f.call('read', { file_path: `${otherWorkspace}/mine.txt` }))).toMatch(
      /is outside the session's working directory$/,
    );
    expect(err(await f.call('read', { file_path: `../${other.sessionId}/workspace/mine.txt` }))).toMatch(/outside/);
  });

  it("sees no server environment variable in any process's environ", async () => {
    const environ = ok(await f.call('bash', { command: "cat /proc/[0-9]*/environ | tr '\\0' '\\n' | sort -u" }));
    expect(environ).not.toContain(SECRET);
    const keys = ok(await f.call('bash', { command: 'env | cut -d= -f1 | sort' })).split('\n');
    expect(
      keys.filter(
        (k) =>
          ![
            'HOME',
            'LANG',
            'LOGNAME',
            'PATH',
            'PWD',
            'SHELL',
            'SHLVL',
            'TERM',
            'TMPDIR',
            'USER',
            '_',
            'OLDPWD',
          ].includes(k),
      ),
    ).toEqual([]);
  });

  it("cannot see the host's home directory or /root", async () => {
    expect(err(await f.call('bash', { command: `ls ${homedir()}` }))).toMatch(/No such file or directory/);
    expect(err(await f.call('bash', { command: 'ls /root' }))).toMatch(/No such file or directory/);
    expect(ok(await f.call('bash', { command: 'ls /home; echo $HOME' }))).toBe('agent\n/home/agent');
  });

  it('cannot write outside the workspace and its private tmpfs mounts', async () => {
    for (const path of ['/usr/x', '/etc/x', '/x', '/bin/x', '/home/x', '/proc/x', '/dev/x']) {
      expect(err(await f.call('bash', { command: `touch ${path}` }))).toMatch(
        /Read-only file system|Permission denied|No such file/,
      );
    }
    expect(ok(await f.call('bash', { command: 'touch /tmp/t /dev/shm/t ~/t /workspace/t && echo ok' }))).toBe('ok');
    expect(err(await f.call('write', { file_path: '/tmp/x', content: 'x' }))).toMatch(
      /outside the session's working directory$/,
    );
  });

  it('sees only its own processes and holds no privilege', async () => {
    const pids = ok(await f.call('bash', { command: "ls /proc | grep -cE '^[0-9]+$'" }));
    expect(Number(pids)).toBeLessThan(10);
    expect(err(await f.call('bash', { command: `ls /proc/${process.pid}/environ` }))).toMatch(/No such file/);
    expect(
      ok(await f.call('bash', { command: 'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status' })),
    ).toBe('1000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nNoNewPrivs:\t1');
    expect(text(await f.call('bash', { command: 'unshare -U true' }))).toMatch(
      /unshare failed|Operation not permitted|No space left/,
    );
    expect(err(await f.call('bash', { command: 'ls /sys/fs/cgroup' }))).toMatch(/No such file/);
  });
});
