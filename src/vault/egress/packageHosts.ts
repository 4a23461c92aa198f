import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatAuthority, type HostRule, parseAuthority } from './hostRules.js';

/** A registry or archive a package manager of this host is configured to use. */
export interface PackageSource {
  manager: 'npm' | 'apt' | 'pip';
  /** Its URL without credentials. */
  url: string;
  /** Where the setting was read: `npm config`, a sources file, `pip config`. */
  origin: string;
}

export interface PackageSourcesOptions {
  /** /etc/apt by default. */
  aptDir?: string;
  /** Where to find `npm` and `python3`: the sandbox's own PATH, since sandboxes run the host's /usr. */
  searchPath?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface DiscoveredSources {
  sources: PackageSource[];
  /** Package managers whose configuration could not be read (they get no hosts): for doctor and logs. */
  problems: string[];
}

const SANDBOX_SEARCH_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * `allow_package_managers` opens the hosts this machine's package managers are configured to use,
 * read from their own configuration (so mirrors work), never from a list of well-known registries:
 * npm's `registry` and `@scope:registry` settings (`npm config list`), apt's sources
 * (sources.list, sources.list.d/*.list and *.sources) and pip's index URLs (`pip config list`,
 * and pip's own default index when none is set). A manager that is not installed adds nothing.
 */
export async function discoverPackageSources(options: PackageSourcesOptions = {}): Promise<DiscoveredSources> {
  const searchPath = options.searchPath ?? SANDBOX_SEARCH_PATH;
  const run = (file: string, args: string[]) =>
    runQuiet(file, args, options.env ?? process.env, options.timeoutMs ?? 15_000);
  const problems: string[] = [];
  const collect = async (manager: string, read: () => Promise<PackageSource[]> | PackageSource[]) => {
    try {
      return await read();
    } catch (error) {
      problems.push(`${manager}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  };
  const npm = findIn(searchPath, 'npm');
  const python = findIn(searchPath, 'python3');
  const groups = await Promise.all([
    npm ? collect('npm', async () => npmSources(await run(npm, ['config', 'list', '--json']))) : [],
    collect('apt', () => aptSources(options.aptDir ?? '/etc/apt')),
    python && findIn(searchPath, 'pip3') ? collect('pip', () => pipSources(python, run)) : [],
  ]);
  return { sources: dedupe(groups.flat()), problems };
}

/** One rule per source: its host, on its explicit port or its scheme's default. */
export function packageRules(sources: readonly PackageSource[]): HostRule[] {
  const rules: HostRule[] = [];
  for (const source of sources) {
    const url = new URL(source.url);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const authority = parseAuthority(url.hostname.replace(/^\[|\]$/g, ''), port);
    if (!authority) continue;
    const rule = { host: authority.host, wildcard: false, port, source: `package_managers: ${source.manager}` };
    if (!rules.some((r) => r.host === rule.host && r.port === rule.port)) rules.push(rule);
  }
  return rules;
}

/** `npm registry.npmjs.org, apt deb.debian.org, …` (for doctor). */
export function describeSources(sources: readonly PackageSource[]): string {
  return [...new Set(sources.map((s) => `${s.manager} ${formatAuthority(new URL(s.url).host)}`))].join(', ');
}

export function npmSources(configJson: string): PackageSource[] {
  const config = JSON.parse(configJson) as Record<string, unknown>;
  const urls: PackageSource[] = [];
  for (const [key, value] of Object.entries(config)) {
    if ((key === 'registry' || /^@[^:]+:registry$/.test(key)) && typeof value === 'string') {
      const url = httpUrl(value);
      if (url) urls.push({ manager: 'npm', url, origin: `npm config ${key}` });
    }
  }
  return urls;
}

export function aptSources(aptDir: string): PackageSource[] {
  const files: string[] = [];
  const main = join(aptDir, 'sources.list');
  if (readable(main)) files.push(main);
  const dir = join(aptDir, 'sources.list.d');
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // no sources.list.d
  }
  // apt itself reads only these two extensions; `foo.list.disabled` stays disabled
  for (const name of names) if (/\.(list|sources)$/.test(name)) files.push(join(dir, name));
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const uris = file.endsWith('.sources') ? deb822Uris(text) : oneLineUris(text);
    return uris.flatMap((uri) => {
      const url = httpUrl(uri.replace(/^[a-z]+\+(?=https?:)/, ''));
      return url ? [{ manager: 'apt' as const, url, origin: file }] : [];
    });
  });
}

/** `deb [options] uri suite [component…]`, one per line. */
export function oneLineUris(text: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const match = /^deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
    if (match?.[1]) uris.push(match[1]);
  }
  return uris;
}

/** deb822 stanzas separated by blank lines; `URIs:` may list several; `Enabled: no` skips a stanza. */
export function deb822Uris(text: string): string[] {
  const uris: string[] = [];
  const lines = text.split('\n').filter((line) => !line.startsWith('#'));
  for (const stanza of lines.join('\n').split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      else {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        last = line.slice(0, colon).trim().toLowerCase();
        fields.set(last, line.slice(colon + 1).trim());
      }
    }
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    uris.push(...(fields.get('uris') ?? '').split(/\s+/).filter(Boolean));
  }
  return uris;
}

const PIP_DEFAULT_INDEX =
  'import json\nfrom pip._internal.models.index import PyPI\n' +
  'print(json.dumps([PyPI.simple_url, "https://" + PyPI.file_storage_domain + "/"]))';

async function pipSources(
  python: string,
  run: (file: string, args: string[]) => Promise<string>,
): Promise<PackageSource[]> {
  const listed = await run(python, ['-m', 'pip', 'config', 'list']);
  const sources: PackageSource[] = [];
  let hasIndex = false;
  for (const line of listed.split('\n')) {
    const match = /^(\S*?)\.?((?:extra-)?index-url)='(.*)'$/.exec(line.trim());
    if (!match?.[3]) continue;
    if (match[2] === 'index-url') hasIndex = true;
    for (const value of match[3].split(/\s+/)) {
      const url = httpUrl(value);
      if (url) sources.push({ manager: 'pip', url, origin: `pip config ${match[1] ? `${match[1]}.` : ''}${match[2]}` });
    }
  }
  if (!hasIndex) {
    // pip's own default: its index and the host its package files are served from
    const defaults = JSON.parse(await run(python, ['-c', PIP_DEFAULT_INDEX])) as string[];
    for (const value of defaults) {
      const url = httpUrl(value);
      if (url) sources.push({ manager: 'pip', url, origin: 'pip default index' });
    }
  }
  return sources;
}

/** An http(s) URL with any credentials removed; null for file:, cdrom:, garbage. */
function httpUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString();
}

function dedupe(sources: PackageSource[]): PackageSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const key = `${s.manager} ${s.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function findIn(searchPath: string, name: string): string | null {
  for (const dir of searchPath.split(':')) {
    if (!dir.startsWith('/')) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function runQuiet(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // cwd '/': a project's own .npmrc or pip.conf in the server's cwd is not the machine's configuration
    execFile(
      file,
      args,
      { env, timeout, cwd: '/', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${file} ${args.slice(0, 3).join(' ')} failed: ${stderr.trim().split('\n').pop() || error.message}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}
