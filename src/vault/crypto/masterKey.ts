import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES } from './aesGcm.js';

/** The key that wraps every vault's data key. Its id is derived from it, never stored beside it. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The current master key wraps new data keys; previous ones only unwrap, until rotation rewraps. */
export interface MasterKeyring {
  current: MasterKey;
  previous: readonly MasterKey[];
}

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

export const MASTER_KEY_FILE = 'master.key';

/**
 * A one-way fingerprint, so a stored data key names the master key that wrapped it and a
 * wrong key is reported as such instead of as a failed decryption.
 */
export function masterKeyId(key: Buffer): string {
  return `mk_${createHash('sha256').update('bosun master key id\0').update(key).digest('hex').slice(0, 16)}`;
}

/** A fresh master key, base64: the form BOSUN_MASTER_KEY and the key file take. */
export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Parses base64 (or base64url) holding exactly 32 bytes; `what` names the source in errors. */
export function parseMasterKey(text: string, what: string): MasterKey {
  const trimmed = text.trim();
  // Buffer.from ignores characters outside the alphabet, so check the text before trusting it.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new MasterKeyError(`${what} is not base64; generate one with \`openssl rand -base64 32\`.`);
  }
  const key = Buffer.from(trimmed.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new MasterKeyError(`${what} must decode to ${KEY_BYTES} bytes, got ${key.length}.`);
  }
  return { id: masterKeyId(key), key };
}

export interface MasterKeySource {
  dataDir: string;
  /** BOSUN_MASTER_KEY (base64); when unset, `<dataDir>/master.key` is used, created on first start. */
  masterKey?: string | undefined;
  /** BOSUN_PREVIOUS_MASTER_KEYS: keys being rotated away from, still able to unwrap. */
  previousMasterKeys?: readonly string[] | undefined;
}

export interface LoadedKeyring {
  keyring: MasterKeyring;
  /** A key file was created by this call. */
  created: boolean;
  /** Problems worth a log line that do not stop the server (a key file others can read). */
  warnings: string[];
}

export function loadMasterKeyring(source: MasterKeySource): LoadedKeyring {
  const warnings: string[] = [];
  let created = false;
  let current: MasterKey;
  if (source.masterKey) {
    current = parseMasterKey(source.masterKey, 'BOSUN_MASTER_KEY');
  } else {
    const file = join(source.dataDir, MASTER_KEY_FILE);
    const loaded = readOrCreateKeyFile(file);
    current = loaded.key;
    created = loaded.created;
    if (!created && (statSync(file).mode & 0o077) !== 0) {
      warnings.push(`${file} is readable by other users; run \`chmod 600 ${file}\`.`);
    }
  }
  const previous: MasterKey[] = [];
  (source.previousMasterKeys ?? []).forEach((text, i) => {
    const key = parseMasterKey(text, `BOSUN_PREVIOUS_MASTER_KEYS[${i}]`);
    if (key.id !== current.id && !previous.some((k) => k.id === key.id)) previous.push(key);
  });
  return { keyring: { current, previous }, created, warnings };
}

function readOrCreateKeyFile(file: string): { key: MasterKey; created: boolean } {
  try {
    return { key: parseMasterKey(readFileSync(file, 'utf8'), file), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const text = generateMasterKey();
  try {
    // `wx`: never overwrite a key another process created meanwhile; 0600 from the first byte.
    writeFileSync(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateKeyFile(file);
    throw error;
  }
  return { key: parseMasterKey(text, file), created: true };
}
