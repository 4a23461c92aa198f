import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_LAYER_MOUNT } from '../bubblewrap/bwrapArgs.js';
import type { Installer } from './installContext.js';
import { StepFailedError } from './runStep.js';

/**
 * npm: the host fetches with `--ignore-scripts` (no package code runs on the host), then, if any
 * package has install scripts, `npm rebuild` runs them inside a sandbox without network.
 */
export const installNpm: Installer = async (specs, ctx) => {
  const npm = ctx.which('npm');
  if (!npm) throw new StepFailedError('npm packages need npm on the server, and it is not installed');
  const prefix = ctx.mkdir(join(ctx.staging, 'npm'));
  const config = await hostNpmConfig();
  await ctx.run(
    'npm install',
    [
      npm,
      'install',
      '--prefix',
      prefix,
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      ...specs,
    ],
    config,
  );
  const scripted = withInstallScripts(join(prefix, 'node_modules/.package-lock.json'));
  if (scripted.length === 0) return;
  if (!ctx.runIsolated) {
    ctx.log.line(`[install scripts of ${scripted.join(', ')} were not run: bubblewrap is not installed]`);
    return;
  }
  await ctx.runIsolated('npm rebuild (install scripts)', [
    'npm',
    'rebuild',
    '--prefix',
    `${PACKAGE_LAYER_MOUNT}/npm`,
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--offline',
  ]);
};

function withInstallScripts(lockfile: string): string[] {
  try {
    const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as {
      packages?: Record<string, { hasInstallScript?: boolean }>;
    };
    return Object.entries(lock.packages ?? {})
      .filter(([, entry]) => entry.hasInstallScript === true)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
  } catch {
    return [];
  }
}

const NPM_SETTINGS = ['registry', 'cafile', 'proxy', 'https-proxy', 'noproxy', 'strict-ssl'];
let npmConfig: Promise<Record<string, string>> | null = null;

/**
 * Where the server's own npm fetches from (registry, CA file, proxies), read once, as
 * `npm_config_*` variables for the builder, which runs without the server's environment and
 * home. Auth tokens are not passed on.
 */
function hostNpmConfig(): Promise<Record<string, string>> {
  npmConfig ??= promisify(execFile)('npm', ['config', 'get', ...NPM_SETTINGS], { timeout: 30_000 }).then(
    ({ stdout }) => {
      const env: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const eq = line.indexOf('=');
        const key = line.slice(0, eq).trim();
        const value = line.slice(eq + 1).trim();
        if (eq > 0 && NPM_SETTINGS.includes(key) && value !== '' && value !== 'null' && value !== 'undefined') {
          env[`npm_config_${key.replaceAll('-', '_')}`] = value;
        }
      }
      return env;
    },
    () => ({}),
  );
  return npmConfig;
}
