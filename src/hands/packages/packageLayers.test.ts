import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { err, handsFixture, newSession, ok, requireBubblewrap } from '../../../test/escape/handsFixture.js';
import { PackageLayers } from './packageLayers.js';

// Real installs from the registries this machine reaches (npm, Debian's mirror); nothing is mocked.

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-packages-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const environment = (packages: Record<string, string[]>) => ({
  type: 'cloud',
  networking: { type: 'limited', allowed_hosts: [], allow_package_managers: true, allow_mcp_servers: false },
  packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [], ...packages },
});

function layers(dataDir: string) {
  const lines: string[] = [];
  const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
  return { layers: new PackageLayers({ dataDir, logger }), lines };
}

const onHost = (pkg: string) => {
  try {
    execFileSync('dpkg', ['-s', pkg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('environment packages', () => {
  it('installs npm packages once per environment, shared by concurrent and later sessions', async () => {
    requireBubblewrap();
    const dataDir = tempDir();
    const { layers: packages, lines } = layers(dataDir);
    const f = handsFixture({ packages }, dataDir);
    const config = environment({ npm: ['semver@7.6.3', 'is-number@7.0.0'] });
    const [a, b] = [newSession(config), newSession(config)];
    try {
      const started = performance.now();
      const script =
        "semver | head -1 && semver -r '^7' 7.5.0 8.0.0 && node -e \"console.log(require('is-number')(5))\"";
      const [first, second] = await Promise.all([
        f.call('bash', { command: script }, { session: a }),
        f.call('bash', { command: script }, { session: b }),
      ]);
      const firstInstall = performance.now() - started;
      expect(ok(first)).toBe('SemVer 7.6.3\n7.5.0\ntrue');
      expect(ok(second)).toBe('SemVer 7.6.3\n7.5.0\ntrue');
      expect(packages.builds).toBe(1);
      expect(lines.filter((l) => l.includes('installing packages for env_test (npm: 2)'))).toHaveLength(1);
      expect(lines.some((l) => /packages for env_test installed in \d+\.\d s/.test(l))).toBe(true);

      // The layer is read-only, and a later session reuses it without installing again.
      expect(
        ok(await f.call('bash', { command: 'touch /opt/bosun/layer/x 2>&1 || echo refused' }, { session: a })),
      ).toMatch(/Read-only file system\nrefused$/);
      const later = newSession(config);
      const t0 = performance.now();
      expect(ok(await f.call('bash', { command: 'semver | head -1' }, { session: later }))).toBe('SemVer 7.6.3');
      const reuse = performance.now() - t0;
      expect(packages.builds).toBe(1);
      expect(reuse).toBeLessThan(2000);

      // The unsandboxed local backend (development) puts the same layer on PATH.
      const local = handsFixture({ backend: 'local', allowUnsandboxed: true, packages }, dataDir);
      try {
        expect(ok(await local.call('bash', { command: 'semver | head -1' }, { session: later }))).toBe('SemVer 7.6.3');
      } finally {
        await local.hands.close();
      }

      // A restarted server finds the layer on disk.
      const restarted = layers(dataDir);
      const layer = await restarted.layers.layerFor('env_other', config);
      expect(restarted.layers.builds).toBe(0);
      expect(layer?.dir).toBe(join(dataDir, 'hands', 'layers', layer?.hash ?? ''));
      expect(readFileSync(join(layer?.dir ?? '', 'install.log'), 'utf8')).toMatch(/npm install/);
      console.log(`npm layer: first install ${(firstInstall / 1000).toFixed(1)} s, reuse ${reuse.toFixed(0)} ms`);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('installs an apt package the host lacks, with its missing library, into the layer', async () => {
    requireBubblewrap();
    const dataDir = tempDir();
    const { layers: packages, lines } = layers(dataDir);
    const f = handsFixture({ packages }, dataDir);
    const hostHadIt = onHost('qrencode');
    const session = newSession(environment({ apt: ['qrencode'] }));
    try {
      const started = performance.now();
      const out = ok(
        await f.call(
          'bash',
          { command: 'command -v qrencode; qrencode -t ASCII -o - hi | head -c 40 | wc -c' },
          { session },
        ),
      );
      const elapsed = performance.now() - started;
      if (hostHadIt) {
        expect(out).toMatch(/^\/usr\/bin\/qrencode\n40$/);
      } else {
        expect(out).toBe('/opt/bosun/layer/apt/root/usr/bin/qrencode\n40');
        const ldd = ok(await f.call('bash', { command: 'ldd "$(command -v qrencode)" | grep qrencode' }, { session }));
        expect(ldd).toContain('/opt/bosun/layer/apt/root/usr/lib/x86_64-linux-gnu/libqrencode.so.4');
      }
      expect(packages.builds).toBe(1);
      expect(lines.join('\n')).toMatch(/installing packages for env_test \(apt: 1\)/);
      console.log(`apt layer (qrencode + libqrencode4): ${(elapsed / 1000).toFixed(1)} s, host had it: ${hostHadIt}`);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('answers an unknown package with a clear error result, remembered for a while', async () => {
    requireBubblewrap();
    const dataDir = tempDir();
    const { layers: packages, lines } = layers(dataDir);
    const f = handsFixture({ packages }, dataDir);
    const npmSession = newSession(environment({ npm: ['bosun-no-such-package-4f9d2c1a'] }));
    const aptSession = newSession(environment({ apt: ['bosun-no-such-package'] }));
    try {
      const npmError = err(await f.call('bash', { command: 'echo never' }, { session: npmSession }));
      expect(npmError).toMatch(
        /^bash: this environment's packages could not be installed \(npm install exited with status 1\)/,
      );
      expect(npmError).toMatch(/E404|is not in this registry/);
      expect(npmError).not.toContain(dataDir);
      const again = err(await f.call('read', { file_path: 'x' }, { session: npmSession }));
      expect(again).toMatch(/^read: this environment's packages could not be installed/);
      expect(packages.builds).toBe(1);

      const aptError = err(await f.call('bash', { command: 'echo never' }, { session: aptSession }));
      expect(aptError).toMatch(/apt-get install --download-only exited with status 100/);
      expect(aptError).toContain('Unable to locate package bosun-no-such-package');
      expect(lines.filter((l) => /failed after .* log: .*\.failed\.log$/.test(l))).toHaveLength(2);
      const layersDir = join(dataDir, 'hands', 'layers');
      expect(readdirSync(layersDir).filter((n) => n.endsWith('.failed.log'))).toHaveLength(2);
      expect(readdirSync(layersDir).some((n) => n.includes('.building-'))).toBe(false);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('refuses package strings that are options, paths or URLs without running anything', async () => {
    const dataDir = tempDir();
    const { layers: packages } = layers(dataDir);
    for (const npm of [
      ['--registry=http://127.0.0.1:9/'],
      ['file:/etc'],
      ['../x'],
      ['git+https://example.com/x.git'],
    ]) {
      await expect(packages.layerFor('env_x', environment({ npm }))).rejects.toThrow(
        /`config\.packages\.npm\[0\]` .* is not a package Bosun can install/,
      );
    }
    await expect(
      packages.layerFor('env_x', environment({ apt: ['jq', '-oAPT::Update::Pre-Invoke::=id'] })),
    ).rejects.toThrow(/`config\.packages\.apt\[1\]`/);
    expect(packages.builds).toBe(0);
    expect(existsSync(join(dataDir, 'hands', 'layers'))).toBe(false);
    expect(await packages.layerFor('env_x', environment({}))).toBeNull();
  });
});
