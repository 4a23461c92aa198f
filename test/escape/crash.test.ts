import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, ok, requireBubblewrap } from './handsFixture.js';

/** The host pids of this process's children running the sandbox's persistent shell. */
function sandboxShellPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (status.includes(`\nPPid:\t${process.pid}\n`) && cmdline.includes('--norc') && !cmdline.includes('-c'))
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Host pids of processes whose command line is exactly `argv`. */
function processesRunning(argv: string[]): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8') === `${argv.join('\0')}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

let f: HandsFixture;
beforeAll(() => {
  requireBubblewrap();
  f = handsFixture();
});
afterAll(() => f?.close());

describe('crash semantics', () => {
  it('a sandbox killed mid-command is an error result; the next call works and the workspace is intact', async () => {
    ok(await f.call('write', { file_path: 'keep.txt', content: 'still here' }));
    const pending = f.call('bash', { command: 'echo started > /tmp/flag; sleep 30' });
    await new Promise((r) => setTimeout(r, 300));
    const [pid, ...more] = sandboxShellPids();
    expect(pid).toBeDefined();
    expect(more).toEqual([]);
    process.kill(pid as number, 'SIGKILL');
    expect(err(await pending)).toMatch(
      /^bash: bash session terminated \(the sandbox was killed by SIGKILL\)\. Files in \/workspace are kept; the next command starts a fresh shell\.$/,
    );
    expect(ok(await f.call('bash', { command: 'cat keep.txt; ls /tmp' }))).toBe('still here');
    expect(ok(await f.call('read', { file_path: 'keep.txt' }))).toBe('still here');
  });

  it('a shell that kills itself is reported the same way', async () => {
    expect(err(await f.call('bash', { command: 'kill -9 $$' }))).toMatch(/^bash: bash session terminated/);
    expect(ok(await f.call('bash', { command: 'echo recovered' }))).toBe('recovered');
  });
});

describe('a server crash', () => {
  it('takes every sandbox process down with it, background and setsid ones included; the workspace stays', async () => {
    // Durations unique to this run, so processes of another run (or one left by a killed run) never count.
    const a = String(300_000 + Math.floor(Math.random() * 600_000));
    const b = String(Number(a) + 1);
    const createHandsModule = fileURLToPath(new URL('../../src/hands/createHands.ts', import.meta.url));
    const script = `
      const { createHands } = await import(${JSON.stringify(createHandsModule)});
      const hands = createHands({ dataDir: ${JSON.stringify(f.dataDir)}, logger: { warn() {} } });
      const session = ${JSON.stringify(f.session)};
      const result = await hands.execute(session, 'sevt_crash', 'bash',
        { command: '(setsid nohup sleep ${a} >/dev/null 2>&1 &); sleep ${b} & echo survivor > crash.txt; echo up' },
        new AbortController().signal);
      process.stdout.write(JSON.stringify(result) + '\\n');
      setInterval(() => {}, 1000);`;
    const server = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const firstLine = await new Promise<string>((resolve) =>
      server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    try {
      expect(firstLine).toContain('"up"');
      expect(processesRunning(['sleep', a])).toHaveLength(1);
      expect(processesRunning(['sleep', b])).toHaveLength(1);
    } finally {
      server.kill('SIGKILL');
    }
    await new Promise((resolve) => server.once('exit', resolve));
    for (let i = 0; i < 50 && processesRunning(['sleep', a]).length + processesRunning(['sleep', b]).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(processesRunning(['sleep', a])).toEqual([]);
    expect(processesRunning(['sleep', b])).toEqual([]);
    expect(ok(await f.call('read', { file_path: 'crash.txt' }))).toBe('survivor\n');
  });
});

describe('idempotency by tool_use_id', () => {
  it('runs a call once; a repeated call, concurrent or later, returns the recorded result', async () => {
    const input = { command: 'echo run >> count.txt; wc -l < count.txt' };
    const [a, b] = await Promise.all([
      f.call('bash', input, { toolUseId: 'sevt_once' }),
      f.call('bash', input, { toolUseId: 'sevt_once' }),
    ]);
    expect(a).toEqual(b);
    expect(await f.call('bash', input, { toolUseId: 'sevt_once' })).toEqual(a);
    expect(ok(await f.call('bash', { command: 'wc -l < count.txt' }))).toBe('1');
    expect(await f.hands.recordedResult(f.session.sessionId, 'sevt_once')).toEqual(a);
    expect(await f.hands.recordedResult(f.session.sessionId, 'sevt_never')).toBeNull();
  });

  it('a restarted server returns the recorded result and never reruns a call that was cut off', async () => {
    const first = await f.call('bash', { command: 'echo x >> ran.txt; echo done' }, { toolUseId: 'sevt_restart' });
    const resultsDir = join(f.dataDir, 'hands', f.session.sessionId, 'results');
    writeFileSync(join(resultsDir, 'sevt_cutoff.started'), 'crash');
    const restarted = handsFixture({}, f.dataDir);
    try {
      const again = await restarted.call(
        'bash',
        { command: 'echo x >> ran.txt' },
        { session: f.session, toolUseId: 'sevt_restart' },
      );
      expect(again).toEqual(first);
      expect(
        err(
          await restarted.call(
            'bash',
            { command: 'echo x >> ran.txt' },
            { session: f.session, toolUseId: 'sevt_cutoff' },
          ),
        ),
      ).toBe(
        'bash: this call was interrupted by a server restart before it finished and was not run again; check the workspace for its effects before retrying',
      );
      expect(ok(await restarted.call('bash', { command: 'wc -l < ran.txt' }, { session: f.session }))).toBe('1');
      // a read-only tool cut off by a crash is simply run again
      writeFileSync(join(resultsDir, 'sevt_readcut.started'), 'crash');
      expect(
        ok(await restarted.call('read', { file_path: 'ran.txt' }, { session: f.session, toolUseId: 'sevt_readcut' })),
      ).toBe('x\n');
    } finally {
      await restarted.close();
    }
  });

  it('records results atomically as JSON files', () => {
    const resultsDir = join(f.dataDir, 'hands', f.session.sessionId, 'results');
    const files = readdirSync(resultsDir);
    expect(files.some((name) => name.includes('.tmp-'))).toBe(false);
    const record = JSON.parse(readFileSync(join(resultsDir, 'sevt_once.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ tool_use_id: 'sevt_once', name: 'bash', result: { isError: false } });
  });
});
