import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PLACEHOLDER_PREFIX = 'bosun-placeholder-';
export const PLACEHOLDER_KEY_FILE = 'placeholder.key';

/**
 * What a sandbox sees in place of a secret: `bosun-placeholder-` and 32 hex digits of
 * HMAC-SHA256(installation key, session, credential). Unguessable without the key, the same for a
 * session and credential across sandbox restarts (a config file the agent wrote keeps working),
 * different in every other session. Lower-case letters, digits and hyphens only, so it survives
 * URL, form, JSON and shell quoting unchanged.
 */
export function placeholderFor(key: Buffer, sessionId: string, credentialId: string): string {
  const mac = createHmac('sha256', key).update('bosun placeholder v1\0').update(sessionId).update('\0');
  return `${PLACEHOLDER_PREFIX}${mac.update(credentialId).digest('hex').slice(0, 32)}`;
}

/**
 * The installation's placeholder key, `<dataDir>/placeholder.key` (32 random bytes, hex, 0600),
 * created on first start. Losing it only changes placeholders; it opens no secret.
 */
export function loadOrCreatePlaceholderKey(dataDir: string): { key: Buffer; warnings: string[] } {
  const file = join(dataDir, PLACEHOLDER_KEY_FILE);
  const warnings: string[] = [];
  for (;;) {
    try {
      const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
      if (key.length !== 32) throw new Error(`${file} must hold 32 bytes as hex; delete it to get a new one`);
      if ((statSync(file).mode & 0o077) !== 0)
        warnings.push(`${file} is readable by other users; run \`chmod 600 ${file}\`.`);
      return { key, warnings };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      // `wx`: a key another process created meanwhile is kept (and read on the next turn).
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
