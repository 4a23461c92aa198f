import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The accepted API key: BOSUN_API_KEY when set; otherwise one kept in `<dataDir>/api-key`
 * (mode 0600), created on first start. `created` tells the caller to print it, once.
 */
export function loadOrCreateApiKey(dataDir: string, fromEnv: string | undefined): { key: string; created: boolean } {
  if (fromEnv) return { key: fromEnv, created: false };
  const file = join(dataDir, 'api-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), created: false };
  const key = `bsn_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}
