import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBubblewrap } from '../../../test/escape/handsFixture.js';
import { buildLayer } from './buildLayer.js';
import { layerEnv } from './packageLayer.js';
import { PACKAGE_MANAGERS, type PackageSpec } from './packageSpec.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const spec = (lists: Partial<PackageSpec>): PackageSpec =>
  ({ ...Object.fromEntries(PACKAGE_MANAGERS.map((m) => [m, []])), ...lists }) as PackageSpec;

/** A package with an install script, packed locally (PackageLayers refuses paths; buildLayer is below that check). */
function scriptedPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-npm-fixture-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'package'));
  writeFileSync(
    join(dir, 'package', 'package.json'),
    JSON.stringify({ name: 'bosun-fixture', version: '1.0.0', scripts: { install: 'node install.js' } }),
  );
  // Reports where it ran, as whom, and whether a direct connection got out.
  writeFileSync(
    join(dir, 'package', 'install.js'),
    `const fs = require('fs');
     const done = (what) => { fs.writeFileSync('built.txt', [process.cwd(), process.getuid(), what].join(' ')); process.exit(0); };
     require('net').connect(443, '1.1.1.1').on('connect', () => done('connected')).on('error', (e) => done(e.code));`,
  );
  execFileSync('tar', ['-czf', join(dir, 'fixture.tgz'), '-C', dir, 'package']);
  return join(dir, 'fixture.tgz');
}

describe('buildLayer', () => {
  it("runs npm packages' install scripts in a sandbox without network, never on the host", async () => {
    requireBubblewrap();
    const dataDir = mkdtempSync(join(tmpdir(), 'bosun-build-'));
    dirs.push(dataDir);
    const handsRoot = join(dataDir, 'hands');
    const layersRoot = join(handsRoot, 'layers');
    mkdirSync(layersRoot, { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o711);
    chmodSync(handsRoot, 0o711);
    const root = process.getuid?.() === 0;
    const layer = await buildLayer(spec({ npm: [scriptedPackage()] }), 'f'.repeat(32), {
      handsRoot,
      layersRoot,
      builder: root ? { uid: 1_999_999, gid: 2_000_000 } : null,
      stepTimeoutMs: 60_000,
      exclusive: (_key, task) => task(),
    });
    const built = readFileSync(join(layer.dir, 'npm/node_modules/bosun-fixture/built.txt'), 'utf8');
    expect(built).toMatch(/^\/opt\/bosun\/layer\/npm\/node_modules\/bosun-fixture 1000 (ENETUNREACH|ECONNREFUSED)$/);
    expect(readFileSync(join(layer.dir, 'install.log'), 'utf8')).toMatch(
      /\$ npm rebuild --prefix \/opt\/bosun\/layer\/npm .*# in a sandbox without network/,
    );
    if (root) expect(statSync(join(layer.dir, 'npm')).uid).toBe(0);
    expect(layerEnv(layer, '/opt/bosun/layer', '/usr/bin')).toEqual({
      PATH: '/usr/bin',
      NODE_PATH: '/opt/bosun/layer/npm/node_modules',
    });
  }, 60_000);
});
