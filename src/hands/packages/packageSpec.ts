import { createHash } from 'node:crypto';
import { PackageInstallError } from './packageInstallError.js';

export const PACKAGE_MANAGERS = ['apt', 'npm', 'pip', 'gem', 'cargo', 'go'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** An environment's `config.packages`, each list sorted and without duplicates. */
export type PackageSpec = Record<PackageManager, string[]>;

// Package strings become arguments of host programs, so anything that could be read as an option
// (a leading `-`), a local path or a URL is refused: only registry names with a version.
const VERSIONED_NAME: Record<PackageManager, { re: RegExp; forms: string }> = {
  // name[:arch][=version | /release]
  apt: {
    re: /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:_-]+|\/[A-Za-z0-9.+~_-]+)?$/,
    forms: '`name`, `name=version` or `name/release`',
  },
  // [@scope/]name[@version | @range | @tag]
  npm: {
    re: /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:@[\w.^~<>=|* +-]+)?$/i,
    forms: '`name`, `@scope/name`, `name@version`, `name@range` or `name@tag`',
  },
  // name[extras][specifier[,specifier]]
  pip: {
    re: /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._, -]+\])?(?:\s*(?:===|[<>=!~]=|[<>])\s*[A-Za-z0-9.*+!-]+(?:\s*,\s*(?:===|[<>=!~]=|[<>])\s*[A-Za-z0-9.*+!-]+)*)?$/,
    forms: '`name`, `name==1.0` or `name>=1,<2`',
  },
  gem: { re: /^[A-Za-z0-9][A-Za-z0-9._-]*(?::[\w.~<>=! -]+)?$/, forms: '`name` or `name:version`' },
  cargo: { re: /^[A-Za-z0-9][A-Za-z0-9_-]*(?:@[\w.^~<>=*+-]+)?$/, forms: '`name` or `name@version`' },
  go: {
    re: /^[a-z0-9][a-z0-9.-]*(?:\/[\w.~+-]+)+(?:@[\w.+-]+)?$/,
    forms: '`module/path/cmd` or `module/path/cmd@version`',
  },
};

/**
 * Reads `packages` from a stored environment config (the SDK's `BetaPackages`; every list may be
 * absent). Returns null when nothing is listed; throws PackageInstallError naming a package
 * string that is not a registry name with an optional version.
 */
export function packageSpecOf(environmentConfig: Record<string, unknown>): PackageSpec | null {
  const raw = environmentConfig['packages'];
  if (typeof raw !== 'object' || raw === null) return null;
  const lists = raw as Record<string, unknown>;
  const spec = {} as PackageSpec;
  let any = false;
  for (const manager of PACKAGE_MANAGERS) {
    const list = lists[manager];
    const items = Array.isArray(list) ? list : [];
    items.forEach((item, index) => {
      if (typeof item !== 'string' || !VERSIONED_NAME[manager].re.test(item) || item.length > 214) {
        throw new PackageInstallError(
          `\`config.packages.${manager}[${index}]\` (${JSON.stringify(item)}) is not a package Bosun can install: ` +
            `use ${VERSIONED_NAME[manager].forms} from the registry (no paths, URLs or options)`,
        );
      }
    });
    spec[manager] = [...new Set(items as string[])].sort();
    any ||= spec[manager].length > 0;
  }
  return any ? spec : null;
}

/** The layer's key: equal package sets share one layer, whatever their order. */
export function specHash(spec: PackageSpec): string {
  const canonical = JSON.stringify({ layout: 1, ...Object.fromEntries(PACKAGE_MANAGERS.map((m) => [m, spec[m]])) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** "npm: 2, apt: 1", for log lines. */
export function describeSpec(spec: PackageSpec): string {
  return PACKAGE_MANAGERS.filter((m) => spec[m].length > 0)
    .map((m) => `${m}: ${spec[m].length}`)
    .join(', ');
}
