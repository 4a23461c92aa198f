import { spawnSync } from 'node:child_process';
import { statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, newSession, ok, requireBubblewrap, text } from './handsFixture.js';

const MiB = 1024 * 1024;

/** Measures the server's event-loop lag while `work` runs: a contained attack leaves it responsive. */
async function maxLagDuring<T>(work: Promise<T>): Promise<{ result: T; lagMs: number }> {
  let lagMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - last - 50);
    last = now;
  }, 50);
  try {
    return { result: await work, lagMs };
  } finally {
    clearInterval(timer);
  }
}

let f: HandsFixture;
beforeAll(() => {
  requireBubblewrap();
  f = handsFixture({ limits: { memoryBytes: 96 * MiB, pids: 64, fileSizeBytes: 8 * MiB, tmpBytes: 4 * MiB } });
});
afterAll(() => f?.close());

describe('escape suite: resource limits', () => {
  it('contains a fork bomb to its own call; the server and other sessions carry on', async () => {
    const neighbour = newSession();
    ok(await f.call('bash', { command: 'echo ready' }, { session: neighbour }));
    const bomb = f.call('bash', { command: 'bomb() { bomb | bomb & }; bomb; sleep 5', timeout_ms: 2500 });
    const { result, lagMs } = await maxLagDuring(
      (async () => {
        await new Promise((r) => setTimeout(r, 800));
        expect(spawnSync('true').status).toBe(0);
        expect(ok(await f.call('bash', { command: 'echo still here' }, { session: neighbour }))).toBe('still here');
        return bomb;
      })(),
    );
    expect(text(result)).toBe(
      "bash: bash command timed out after 2500ms\n[process creation failed: the sandbox's process limit was reached]",
    );
    expect(lagMs).toBeLessThan(1000);
    expect(ok(await f.call('bash', { command: 'ps -e --no-headers | wc -l' }))).toMatch(/^[1-5]$/);
  });

  it('kills a memory hog inside the sandbox only, and says why', async () => {
    const out = err(await f.call('bash', { command: 'tail /dev/zero' }));
    expect(out).toMatch(/Killed/);
    expect(out).toContain("[a process was killed: the sandbox's memory limit was reached]");
    expect(ok(await f.call('bash', { command: 'echo alive' }))).toBe('alive');
  });

  it('reports a shell killed by the memory limit and starts a fresh one', async () => {
    const out = err(await f.call('bash', { command: 'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo ${#x}' }));
    expect(out).toMatch(/memory limit \(96 MiB\) was reached|a process was killed/);
    expect(ok(await f.call('bash', { command: 'echo alive' }))).toBe('alive');
  });

  it('stops a single file at the file size limit', async () => {
    const out = err(await f.call('bash', { command: 'head -c 20000000 /dev/zero > big.bin' }));
    expect(out).toMatch(/File size limit exceeded/);
    expect(ok(await f.call('bash', { command: 'stat -c %s big.bin; rm big.bin' }))).toBe(String(8 * MiB));
    expect(err(await f.call('write', { file_path: 'w.bin', content: 'x'.repeat(9 * MiB) }))).toBe(
      "write: w.bin: file too large for the sandbox's file size limit",
    );
  });

  it('fills only its own capped /tmp', async () => {
    expect(err(await f.call('bash', { command: 'head -c 20000000 /dev/zero > /tmp/fill' }))).toMatch(
      /No space left on device/,
    );
    expect(err(await f.call('bash', { command: 'head -c 20000000 /dev/zero > /dev/shm/fill' }))).toMatch(
      /No space left on device/,
    );
  });
});

describe('escape suite: filling the disk', () => {
  let g: HandsFixture;
  afterAll(() => g?.close());

  it('stops the sandbox when free space falls under the reserve; the server can still write', async () => {
    const stats = statfsSync('/tmp');
    const free = stats.bavail * stats.bsize;
    g = handsFixture({ limits: { diskReserveBytes: free - 96 * MiB, fileSizeBytes: 64 * MiB } });
    const out = err(
      await g.call('bash', {
        command: 'for i in $(seq 1 64); do head -c 4000000 /dev/zero > f$i || break; done; sleep 20',
        timeout_ms: 30_000,
      }),
    );
    expect(out).toMatch(/bash session terminated \(the server's disk is nearly full/);
    expect(err(await g.call('write', { file_path: 'more.txt', content: 'x' }))).toMatch(
      /^write: the server's disk is nearly full/,
    );
    writeFileSync(join(g.dataDir, 'server-still-writes.txt'), 'ok');
    expect(ok(await g.call('bash', { command: 'rm -f f*; echo cleaned' }))).toBe('cleaned');
    expect(ok(await g.call('write', { file_path: 'more.txt', content: 'x' }))).toBe('wrote 1 bytes to more.txt');
  });
});

describe('escape suite: limits without cgroups (the rlimit fallback)', () => {
  let h: HandsFixture;
  beforeAll(() => {
    h = handsFixture({ bubblewrap: { disableCgroups: true }, limits: { memoryBytes: 96 * MiB, pids: 64 } });
  });
  afterAll(() => h?.close());

  it('holds a fork bomb with RLIMIT_NPROC of the session uid', async () => {
    expect(process.getuid?.()).toBe(0); // per-session host uids need a root server; doctor says so otherwise
    const result = await h.call('bash', { command: 'bomb() { bomb | bomb & }; bomb; sleep 5', timeout_ms: 2500 });
    expect(text(result)).toMatch(/^bash: bash command timed out after 2500ms/);
    expect(ok(await h.call('bash', { command: 'ulimit -u' }))).toBe('64');
  });

  it('stops a memory hog with RLIMIT_DATA', async () => {
    expect(err(await h.call('bash', { command: 'tail /dev/zero' }))).toMatch(/memory exhausted|Cannot allocate memory/);
    expect(ok(await h.call('bash', { command: 'echo alive' }))).toBe('alive');
  });
});
