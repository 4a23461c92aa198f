import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_IDENTITY, grantTraverse } from '../bubblewrap/identity.js';
import { buildLayer, MANIFEST } from './buildLayer.js';
import type { LayerPaths, PackageLayer } from './packageLayer.js';
import { PackageInstallError } from './packageInstallError.js';
import { describeSpec, type PackageSpec, packageSpecOf, specHash } from './packageSpec.js';

export interface PackageLayersOptions {
  /** Layers live under `<dataDir>/hands/layers/<hash>/`. */
  dataDir: string;
  /** Progress (`info`, falling back to `warn`) and failures (`warn`). */
  logger?: { info?(message: string): void; warn(message: string): void };
  /**
   * The host user installs run as when the server is root: never root, and in the sandboxes'
   * group so it can reach the data dir. Defaults to uid 1999999, gid 2000000 (the bubblewrap
   * backend's sandbox group).
   */
  builder?: { uid: number; gid: number };
  /** Wall-time cap of one install step (an `npm install`, an `apt-get` download). Default 15 min. */
  stepTimeoutMs?: number;
  /** How long a failed build is answered from memory before the next tool call tries again. Default 60 s. */
  failureTtlMs?: number;
}

const DEFAULT_BUILDER = { uid: DEFAULT_IDENTITY.uidBase - 1, gid: DEFAULT_IDENTITY.gid };

/**
 * Environment packages: each distinct `config.packages` is installed once into a read-only layer
 * keyed by its hash and shared by every session of every environment that lists the same
 * packages. A build starts on the first tool call that needs a sandbox (never at session creation
 * or on the model's path); concurrent callers share it. See docs/hands.md, "Packages".
 */
export class PackageLayers {
  readonly #options: Required<Omit<PackageLayersOptions, 'builder' | 'logger'>> & {
    builder: { uid: number; gid: number } | null;
    logger: { info(message: string): void; warn(message: string): void };
  };
  readonly #handsRoot: string;
  readonly #layersRoot: string;
  #ready = new Map<string, PackageLayer>();
  #building = new Map<string, Promise<PackageLayer>>();
  #failed = new Map<string, { error: PackageInstallError; until: number }>();
  #exclusive = new Map<string, Promise<unknown>>();
  #builds = 0;

  constructor(options: PackageLayersOptions) {
    const warn = options.logger?.warn.bind(options.logger) ?? ((m: string) => process.stderr.write(`${m}\n`));
    this.#options = {
      dataDir: options.dataDir,
      stepTimeoutMs: options.stepTimeoutMs ?? 15 * 60_000,
      failureTtlMs: options.failureTtlMs ?? 60_000,
      builder: process.getuid?.() === 0 ? (options.builder ?? DEFAULT_BUILDER) : null,
      logger: { info: options.logger?.info?.bind(options.logger) ?? warn, warn },
    };
    this.#handsRoot = join(options.dataDir, 'hands');
    this.#layersRoot = join(this.#handsRoot, 'layers');
  }

  /** How many builds this instance has started (a layer found on disk or in memory is not one). */
  get builds(): number {
    return this.#builds;
  }

  /**
   * The layer for an environment's packages, built on first request; null when the environment
   * lists none. Throws PackageInstallError (its message is meant for the model) when a package
   * string is refused or the build failed within the last `failureTtlMs`.
   */
  async layerFor(environmentId: string, environmentConfig: Record<string, unknown>): Promise<PackageLayer | null> {
    const spec = packageSpecOf(environmentConfig);
    if (!spec) return null;
    const hash = specHash(spec);
    const known = this.#ready.get(hash) ?? this.#fromDisk(hash);
    if (known) return known;
    const failed = this.#failed.get(hash);
    if (failed && failed.until > Date.now()) throw failed.error;
    let build = this.#building.get(hash);
    if (!build) {
      build = this.#build(environmentId, hash, spec).finally(() => this.#building.delete(hash));
      this.#building.set(hash, build);
    }
    return build;
  }

  async #build(environmentId: string, hash: string, spec: PackageSpec): Promise<PackageLayer> {
    this.#builds += 1;
    const { logger } = this.#options;
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    logger.info(`hands: installing packages for ${environmentId} (${describeSpec(spec)}) into layer ${hash}…`);
    try {
      this.#prepareRoot();
      const layer = await buildLayer(spec, hash, {
        handsRoot: this.#handsRoot,
        layersRoot: this.#layersRoot,
        builder: this.#options.builder,
        stepTimeoutMs: this.#options.stepTimeoutMs,
        exclusive: (key, task) => this.#serialize(key, task),
      });
      logger.info(`hands: packages for ${environmentId} installed in ${seconds()} s (layer ${hash})`);
      this.#failed.delete(hash);
      this.#ready.set(hash, layer);
      return layer;
    } catch (caught) {
      const error =
        caught instanceof PackageInstallError
          ? caught
          : new PackageInstallError(`this environment's packages could not be installed: ${String(caught)}`);
      logger.warn(
        `hands: installing packages for ${environmentId} failed after ${seconds()} s; ` +
          `log: ${join(this.#layersRoot, `${hash}.failed.log`)}`,
      );
      this.#failed.set(hash, { error, until: Date.now() + this.#options.failureTtlMs });
      throw error;
    }
  }

  #fromDisk(hash: string): PackageLayer | null {
    const dir = join(this.#layersRoot, hash);
    try {
      const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { paths?: LayerPaths };
      const layer = { hash, dir, paths: manifest.paths ?? {} };
      this.#ready.set(hash, layer);
      return layer;
    } catch {
      return null;
    }
  }

  /** The data dir is created 0700: sandboxes (and the builder) get traverse-only access through their group. */
  #prepareRoot(): void {
    const builder = this.#options.builder;
    if (!existsSync(this.#handsRoot)) mkdirSync(this.#handsRoot, { recursive: true, mode: 0o700 });
    if (builder) {
      grantTraverse(this.#options.dataDir, builder.gid);
      grantTraverse(this.#handsRoot, builder.gid);
    }
    mkdirSync(this.#layersRoot, { recursive: true, mode: 0o755 });
    chmodSync(this.#layersRoot, 0o755);
  }

  #serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#exclusive.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.#exclusive.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }
}
