import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistentShell } from './shell.js';

const shells: PersistentShell[] = [];
function start(preamble = ''): PersistentShell {
  const shell = new PersistentShell(
    spawn('bash', ['--noprofile', '--norc'], { stdio: 'pipe', env: { PATH: '/usr/bin:/bin' } }),
    preamble,
  );
  shells.push(shell);
  return shell;
}
afterEach(() => {
  for (const shell of shells.splice(0)) shell.proc.kill('SIGKILL');
});
const never = new AbortController().signal;

describe('PersistentShell (plain bash, the protocol only)', () => {
  it('returns output and exit status per command, and keeps state', async () => {
    const shell = start('X=from-preamble');
    expect(await shell.run('echo $X; cd /tmp', 5000, 1000, never)).toEqual({
      status: 'exited',
      exitCode: 0,
      output: 'from-preamble',
      truncated: false,
    });
    expect(await shell.run('pwd; exit_code() { return 7; }; exit_code', 5000, 1000, never)).toMatchObject({
      exitCode: 7,
      output: '/tmp',
    });
  });

  it('survives syntax errors and unterminated quotes: exit status 2 with the message, the shell lives on', async () => {
    const shell = start();
    const syntax = await shell.run('echo before; if then', 5000, 1000, never);
    expect(syntax).toMatchObject({ status: 'exited', exitCode: 2 });
    expect(syntax.status === 'exited' && syntax.output).toMatch(/syntax error near unexpected token `then'/);
    const quote = await shell.run('echo "unterminated', 5000, 1000, never);
    expect(quote).toMatchObject({ status: 'exited', exitCode: 2 });
    expect(await shell.run('{ echo grouped; }', 5000, 1000, never)).toMatchObject({ exitCode: 0, output: 'grouped' });
  });

  it('passes any text through intact: quotes, backslashes, control characters, heredocs', async () => {
    const shell = start();
    const command = "printf '%s|' 'a b' \"c'd\" \\\\ $'x\\ty'; echo\ncat <<EOF\nhere $((1+1))\nEOF";
    expect(await shell.run(command, 5000, 1000, never)).toMatchObject({
      exitCode: 0,
      output: "a b|c'd|\\|x\ty|\nhere 2",
    });
  });

  it('keeps the tail of long output and flags it', async () => {
    const result = await start().run('seq 1 100000', 5000, 1000, never);
    expect(result.status === 'exited' && result.truncated).toBe(true);
    expect(result.status === 'exited' && result.output.endsWith('99999\n100000')).toBe(true);
    expect(result.status === 'exited' && result.output.length).toBeLessThanOrEqual(1000);
  });

  it('reports timeouts, aborts and death without hanging', async () => {
    expect(await start().run('sleep 5', 100, 1000, never)).toEqual({ status: 'timed_out' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await start().run('sleep 5', 5000, 1000, controller.signal)).toEqual({ status: 'aborted' });
    const dying = start();
    expect(await dying.run('exit 4', 5000, 1000, never)).toEqual({ status: 'died' });
    expect((await dying.exited).code).toBe(4);
    expect(await dying.run('echo late', 5000, 1000, never)).toEqual({ status: 'died' });
  });
});
