import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aptSources,
  deb822Uris,
  discoverPackageSources,
  npmSources,
  oneLineUris,
  packageRules,
} from './packageHosts.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-pkghosts-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('apt sources', () => {
  it('one-line format: deb and deb-src, options, comments', () => {
    const text = [
      '# deb http://commented.example/debian bookworm main',
      'deb http://deb.debian.org/debian bookworm main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://apt.mirror.test:8443/ubuntu jammy main # trailing',
      'deb-src http://src.mirror.test/debian bookworm main',
      '',
    ].join('\n');
    expect(oneLineUris(text)).toEqual([
      'http://deb.debian.org/debian',
      'https://apt.mirror.test:8443/ubuntu',
      'http://src.mirror.test/debian',
    ]);
  });

  it('deb822 format: several URIs, continuation lines, Enabled: no', () => {
    const text = [
      'Types: deb',
      '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
      'URIs: http://deb.debian.org/debian http://second.mirror.test/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
      'Types: deb',
      'URIs: https://disabled.mirror.test/debian',
      'Enabled: no',
      '',
      'Types: deb',
      'URIs:',
      ' http://continued.mirror.test/debian',
      'Suites: bookworm',
    ].join('\n');
    expect(deb822Uris(text)).toEqual([
      'http://deb.debian.org/debian',
      'http://second.mirror.test/debian',
      'http://continued.mirror.test/debian',
    ]);
  });

  it('reads sources.list and sources.list.d/*.list|*.sources only, as apt does', () => {
    const apt = tempDir();
    mkdirSync(join(apt, 'sources.list.d'));
    writeFileSync(join(apt, 'sources.list'), 'deb http://main.mirror.test/debian bookworm main\n');
    writeFileSync(
      join(apt, 'sources.list.d', 'a.sources'),
      'Types: deb\nURIs: https://a.mirror.test/debian\nSuites: x\n',
    );
    writeFileSync(
      join(apt, 'sources.list.d', 'b.list'),
      'deb mirror+http://b.mirror.test/list bookworm main\ndeb file:///srv/repo ./\n',
    );
    writeFileSync(join(apt, 'sources.list.d', 'c.list.disabled-by-farm'), 'deb https://disabled.test/ x main\n');
    writeFileSync(
      join(apt, 'sources.list.d', 'd.list'),
      'deb http://user:pass@private.mirror.test/debian bookworm main\n',
    );
    const sources = aptSources(apt);
    expect(sources.map((s) => s.url)).toEqual([
      'http://main.mirror.test/debian',
      'https://a.mirror.test/debian',
      'http://b.mirror.test/list',
      'http://private.mirror.test/debian',
    ]);
    expect(sources[1]).toEqual({
      manager: 'apt',
      url: 'https://a.mirror.test/debian',
      origin: join(apt, 'sources.list.d', 'a.sources'),
    });
    expect(packageRules(sources).map((r) => [r.host, r.port, r.source])).toEqual([
      ['main.mirror.test', 80, 'package_managers: apt'],
      ['a.mirror.test', 443, 'package_managers: apt'],
      ['b.mirror.test', 80, 'package_managers: apt'],
      ['private.mirror.test', 80, 'package_managers: apt'],
    ]);
  });
});

describe('npm', () => {
  it('takes the registry and scoped registries from its configuration, without credentials', () => {
    const config = JSON.stringify({
      registry: 'https://npm.mirror.test/',
      '@acme:registry': 'https://tok:secret@npm.acme.test:4873/path/',
      '//npm.acme.test:4873/:_authToken': 'secret',
      'replace-registry-host': 'npmjs',
    });
    expect(npmSources(config)).toEqual([
      { manager: 'npm', url: 'https://npm.mirror.test/', origin: 'npm config registry' },
      { manager: 'npm', url: 'https://npm.acme.test:4873/path/', origin: 'npm config @acme:registry' },
    ]);
  });

  it("asks this machine's npm, so a configured mirror is what gets opened", async () => {
    const npm = execFileSync('npm', ['config', 'get', 'registry'], { cwd: '/', encoding: 'utf8' }).trim();
    const apt = tempDir();
    const plain = await discoverPackageSources({ aptDir: apt, searchPath: process.env['PATH'] ?? '' });
    expect(plain.problems).toEqual([]);
    expect(plain.sources.find((s) => s.manager === 'npm' && s.origin === 'npm config registry')?.url).toBe(npm);

    const mirrored = await discoverPackageSources({
      aptDir: apt,
      searchPath: process.env['PATH'] ?? '',
      env: { ...process.env, npm_config_registry: 'http://npm-mirror.test:4873/' },
    });
    expect(packageRules(mirrored.sources.filter((s) => s.manager === 'npm'))).toContainEqual({
      host: 'npm-mirror.test',
      wildcard: false,
      port: 4873,
      source: 'package_managers: npm',
    });
    expect(mirrored.sources.some((s) => s.url === npm)).toBe(false);
  });

  it('a package manager that is not installed adds nothing', async () => {
    const found = await discoverPackageSources({ aptDir: tempDir(), searchPath: tempDir() });
    expect(found).toEqual({ sources: [], problems: [] });
  });
});
