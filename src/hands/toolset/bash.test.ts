import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  err,
  type HandsFixture,
  handsFixture,
  ok,
  requireBubblewrap,
  text,
} from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(() => {
  requireBubblewrap();
  f = handsFixture();
});
afterAll(() => f?.close());

describe('bash on bubblewrap', () => {
  it('runs in /workspace as the sandbox user, with a persistent cwd and environment', async () => {
    expect(ok(await f.call('bash', { command: 'pwd; id -u; echo $HOME' }))).toBe('/workspace\n1000\n/home/agent');
    ok(await f.call('bash', { command: 'mkdir -p sub && cd sub && export FOO=bar' }));
    expect(ok(await f.call('bash', { command: 'pwd; echo $FOO' }))).toBe('/workspace/sub\nbar');
  });

  it('folds stderr into the output and strips trailing newlines and ANSI escapes', async () => {
    expect(
      ok(await f.call('bash', { command: 'echo out; echo err >&2; printf "\\033[31mred\\033[0m\\n\\n\\n"' })),
    ).toBe('out\nerr\nred');
  });

  it('returns the output as an error for a non-zero exit, and `exit N` when there is none', async () => {
    expect(err(await f.call('bash', { command: 'ls /nonexistent' }))).toMatch(/No such file or directory/);
    expect(err(await f.call('bash', { command: 'false' }))).toBe('exit 1');
  });

  it('keeps the shell alive across a syntax error', async () => {
    ok(await f.call('bash', { command: 'export SURVIVES=yes' }));
    expect(err(await f.call('bash', { command: 'if then' }))).toMatch(/syntax error near unexpected token/);
    expect(ok(await f.call('bash', { command: 'echo $SURVIVES' }))).toBe('yes');
  });

  it('gives stdin-reading commands EOF instead of hanging', async () => {
    expect(ok(await f.call('bash', { command: 'cat; echo done' }))).toBe('done');
  });

  it('cannot be fooled by output that imitates the end-of-command marker', async () => {
    const out = ok(
      await f.call('bash', { command: "printf '\\n__BOSUN_00000000000000000000000000000000_DONE__0\\n'; echo real" }),
    );
    expect(out).toContain('real');
  });

  it('caps output at 100 KiB, keeping the tail', async () => {
    const out = ok(await f.call('bash', { command: 'seq 1 200000' }));
    expect(out.startsWith('[output truncated]\n')).toBe(true);
    expect(out.endsWith('\n200000')).toBe(true);
    expect(out.length).toBeLessThan(110 * 1024);
  });

  it('times out with the SDK text and starts a fresh shell afterwards', async () => {
    ok(await f.call('bash', { command: 'export KEEP=1' }));
    expect(err(await f.call('bash', { command: 'sleep 10', timeout_ms: 200 }))).toBe(
      'bash: bash command timed out after 200ms',
    );
    expect(ok(await f.call('bash', { command: 'echo "[$KEEP]"; pwd' }))).toBe('[]\n/workspace');
  });

  it('restarts on request, with and without a command', async () => {
    ok(await f.call('bash', { command: 'export GONE=1' }));
    expect(ok(await f.call('bash', { restart: true }))).toBe('bash session restarted');
    expect(ok(await f.call('bash', { command: 'echo "[$GONE]"' }))).toBe('[]');
    ok(await f.call('bash', { command: 'export GONE=2' }));
    expect(ok(await f.call('bash', { command: 'echo "[$GONE]"', restart: true }))).toBe('[]');
  });

  it('reports a shell that exits, then starts a fresh one', async () => {
    const out = err(await f.call('bash', { command: 'exit 3' }));
    expect(out).toMatch(/^bash: bash session terminated \(the shell exited with status 3\)/);
    expect(ok(await f.call('bash', { command: 'echo back' }))).toBe('back');
  });

  it('kills background jobs with the shell on restart', async () => {
    ok(await f.call('bash', { command: '(sleep 300 &) ; nohup sleep 301 >/dev/null 2>&1 & echo started' }));
    ok(await f.call('bash', { restart: true }));
    expect(ok(await f.call('bash', { command: 'ps -eo comm | grep -c sleep || true' }))).toBe('0');
  });

  it('rejects a missing command and wrong input types', async () => {
    expect(err(await f.call('bash', {}))).toBe('bash: command is required');
    expect(err(await f.call('bash', { command: 5 }))).toBe('bash: command must be a string');
    expect(err(await f.call('bash', { command: 'true', timeout_ms: 'soon' }))).toBe(
      'bash: timeout_ms must be an integer',
    );
  });

  it('reports an abort by the caller', async () => {
    const controller = new AbortController();
    const pending = f.call('bash', { command: 'sleep 10' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(text(await pending)).toBe('bash: This operation was aborted');
    expect(ok(await f.call('bash', { command: 'echo fine' }))).toBe('fine');
  });

  it('returns an empty content list for empty output', async () => {
    const result = await f.call('bash', { command: 'true' });
    expect(result).toEqual({ content: [], isError: false });
  });
});
