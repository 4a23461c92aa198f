import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { err, handsFixture, ok, requireBubblewrap } from '../../test/escape/handsFixture.js';
import { createHands } from './createHands.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-create-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('createHands', () => {
  it('refuses the unsandboxed local backend without an explicit opt-in', () => {
    expect(() => createHands({ dataDir: tempDir(), backend: 'local' })).toThrow(
      /refusing the unsandboxed `local` hands backend/,
    );
  });

  it('runs the local backend loudly when the operator opts in', async () => {
    const warnings: string[] = [];
    process.env['BOSUN_LOCAL_SECRET'] = 'leak?';
    const f = handsFixture({ backend: 'local', allowUnsandboxed: true, logger: { warn: (m) => warnings.push(m) } });
    try {
      expect(warnings.join('\n')).toMatch(/WARNING: the unsandboxed `local` hands backend is enabled/);
      expect(f.hands.backend).toBe('local');
      const workspace = join(f.dataDir, 'hands', f.session.sessionId, 'workspace');
      expect(ok(await f.call('bash', { command: 'pwd; echo "[$BOSUN_LOCAL_SECRET]"' }))).toBe(`${workspace}\n[]`);
      ok(await f.call('write', { file_path: 'x.txt', content: 'local' }));
      expect(ok(await f.call('read', { file_path: 'x.txt' }))).toBe('local');
      expect(err(await f.call('read', { file_path: '/etc/hostname' }))).toMatch(
        /outside the session's working directory/,
      );
    } finally {
      delete process.env['BOSUN_LOCAL_SECRET'];
      await f.close();
    }
  });

  it('answers with the install hint when bubblewrap is missing, instead of running anything unsandboxed', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    const f = handsFixture();
    try {
      const text = err(await f.call('bash', { command: 'echo should-not-run' }));
      expect(text).toMatch(
        /^bash is not available: the bubblewrap sandbox \(bwrap\) is not installed on this server\./,
      );
      expect(text).toContain('apt-get install -y bubblewrap');
    } finally {
      process.env['PATH'] = path;
      await f.close();
    }
  });

  it('provisions nothing until the first tool call that needs a sandbox', async () => {
    requireBubblewrap();
    const f = handsFixture();
    try {
      const workspace = join(f.dataDir, 'hands', f.session.sessionId, 'workspace');
      expect(existsSync(workspace)).toBe(false);
      ok(await f.call('glob', { pattern: '*' }));
      expect(existsSync(workspace)).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('keeps the workspace when a sandbox is destroyed, and removes it on purge', async () => {
    requireBubblewrap();
    const f = handsFixture();
    try {
      ok(await f.call('write', { file_path: 'kept.txt', content: 'yes' }));
      await f.hands.destroy(f.session.sessionId);
      expect(ok(await f.call('read', { file_path: 'kept.txt' }))).toBe('yes');
      await f.hands.destroy(f.session.sessionId, { purge: true });
      expect(existsSync(join(f.dataDir, 'hands', f.session.sessionId))).toBe(false);
    } finally {
      await f.close();
    }
  });
});
