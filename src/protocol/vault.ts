import { z } from 'zod';

// VaultCreateParams / CredentialCreateParams.metadata: "Maximum 16 pairs, keys up to 64 chars,
// values up to 512 chars."
export const VAULT_METADATA_LIMITS = { pairs: 16, keyChars: 64, valueChars: 512 } as const;
export const DISPLAY_NAME_MAX_CHARS = 255;

const metadataKey = z.string().max(VAULT_METADATA_LIMITS.keyChars);
const metadataValue = z.string().max(VAULT_METADATA_LIMITS.valueChars);

/** A whole metadata bag; a patched bag is checked again with this, since a patch can add pairs. */
export const metadataSchema = z
  .record(metadataKey, metadataValue)
  .refine((bag) => Object.keys(bag).length <= VAULT_METADATA_LIMITS.pairs, {
    message: `metadata may hold at most ${VAULT_METADATA_LIMITS.pairs} pairs`,
  });

/** "Set a key to a string to upsert it, or to null to delete it. Omitted keys are preserved." */
export const metadataPatchSchema = z.record(metadataKey, metadataValue.nullable()).nullish();

export type Metadata = Record<string, string>;
export type MetadataPatch = z.output<typeof metadataPatchSchema>;

/** "1-255 characters." */
export const displayNameSchema = z.string().min(1).max(DISPLAY_NAME_MAX_CHARS);

export const vaultCreateSchema = z.strictObject({
  display_name: displayNameSchema,
  metadata: metadataSchema.optional(),
});

export const vaultUpdateSchema = z.strictObject({
  display_name: displayNameSchema.nullish(),
  metadata: metadataPatchSchema,
});

export type VaultCreateBody = z.output<typeof vaultCreateSchema>;
export type VaultUpdateBody = z.output<typeof vaultUpdateSchema>;

/** A vault's data key, wrapped by the master key. Only `src/vault` reads or writes it. */
export interface StoredDataKey {
  id: string;
  /** Which master key wrapped it; rotation rewraps keys whose id is not the current one. */
  masterKeyId: string;
  /** base64 of IV, auth tag and the wrapped key. */
  wrapped: string;
}

/** The stored vault: the wire fields plus its data key, which is never rendered. */
export interface VaultBody {
  display_name: string;
  metadata: Metadata;
  data_key?: StoredDataKey;
}

export function buildVaultBody(params: VaultCreateBody): VaultBody {
  return { display_name: params.display_name, metadata: { ...params.metadata } };
}

/** Applies a metadata patch; returns the bag to be re-checked with `metadataSchema`. */
export function patchMetadata(current: Readonly<Metadata>, patch: MetadataPatch): Metadata {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** Applies an update. `display_name`: null keeps it (a vault always has a name). */
export function applyVaultUpdate(current: VaultBody, params: VaultUpdateBody): VaultBody {
  return {
    ...current,
    display_name: params.display_name ?? current.display_name,
    metadata: patchMetadata(current.metadata, params.metadata),
  };
}
