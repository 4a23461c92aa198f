import type { BuildLog } from './buildLog.js';

/** What an installer gets to fill its part of a layer being built. */
export interface InstallContext {
  /** Host directory of the layer being built; it becomes the layer once every installer succeeded. */
  staging: string;
  /** The builder's HOME, kept between builds (package managers' caches, apt's private lists). */
  home: string;
  log: BuildLog;
  /** A program on the builder's PATH, or null. */
  which(name: string): string | null;
  /** Creates a directory (and its parents) owned by the builder. */
  mkdir(path: string): string;
  /** Runs a host program as the builder, with the host's network; throws StepFailedError. */
  run(label: string, argv: string[], env?: Record<string, string>): Promise<void>;
  /**
   * Runs a program in a sandbox without network, with the layer writable at PACKAGE_LAYER_MOUNT:
   * where packages' own code (install scripts) runs. Null when bubblewrap is not installed.
   */
  runIsolated: ((label: string, argv: string[], env?: Record<string, string>) => Promise<void>) | null;
  /** Runs `task` alone among builds for `key` (state shared between builds). */
  exclusive<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export type Installer = (specs: string[], ctx: InstallContext) => Promise<void>;
