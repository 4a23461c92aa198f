import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionHandsContext } from '../core/hands.js';
import type { ManagedSandbox, SandboxBackend } from './backend.js';
import { allowsEgress, type EgressAttachment, type EgressProxy, networkPolicy } from './egress.js';
import type { SandboxLimits } from './limits.js';
import type { PackageLayer } from './packages/packageLayer.js';
import { packageSpecOf } from './packages/packageSpec.js';
import type { PackageLayers } from './packages/packageLayers.js';

interface Entry {
  sandbox: Promise<ManagedSandbox>;
  /** Set once attached, so it can be detached even when provisioning fails later. */
  network: { egress: EgressAttachment | null };
}

/**
 * One sandbox per session, made on the first call that needs it. A provisioning failure is not
 * remembered: the next call tries again (say, after the operator installed bubblewrap).
 */
export class SessionSandboxes {
  #entries = new Map<string, Entry>();
  #warnedNoEgress = new Set<string>();
  #warnedNoPackages = new Set<string>();

  constructor(
    private readonly backend: SandboxBackend,
    private readonly limits: SandboxLimits,
    private readonly sessionDir: (sessionId: string) => string,
    private readonly egress: EgressProxy | undefined,
    private readonly warn: (message: string) => void,
    private readonly onProvisioned: () => void,
    private readonly packages?: PackageLayers,
  ) {}

  get(session: SessionHandsContext): Promise<ManagedSandbox> {
    let entry = this.#entries.get(session.sessionId);
    if (!entry) {
      const network: Entry['network'] = { egress: null };
      const created: Entry = { sandbox: this.#provision(session, network), network };
      this.#entries.set(session.sessionId, created);
      created.sandbox.catch(() => {
        if (this.#entries.get(session.sessionId) === created) this.#entries.delete(session.sessionId);
        void network.egress?.detach().catch(() => {});
      });
      entry = created;
    }
    return entry.sandbox;
  }

  /** Refused connections since the last call, from the session's egress attachment. */
  drainDenials(sessionId: string): string[] {
    return this.#entries.get(sessionId)?.network.egress?.drainDenials?.() ?? [];
  }

  /** Running sandboxes, for the disk guard. */
  async each(action: (sandbox: ManagedSandbox) => void): Promise<void> {
    for (const { sandbox } of this.#entries.values()) await sandbox.then(action, () => {});
  }

  async dispose(sessionId: string): Promise<void> {
    const entry = this.#entries.get(sessionId);
    this.#entries.delete(sessionId);
    if (!entry) return;
    await entry.sandbox.then(
      (sandbox) => sandbox.dispose(),
      () => {},
    );
    await entry.network.egress
      ?.detach()
      .catch((error: unknown) => this.warn(`hands: egress detach failed: ${String(error)}`));
  }

  async disposeAll(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((sessionId) => this.dispose(sessionId)));
  }

  async #provision(session: SessionHandsContext, network: Entry['network']): Promise<ManagedSandbox> {
    const workspaceDir = join(this.sessionDir(session.sessionId), 'workspace');
    await mkdir(workspaceDir, { recursive: true, mode: 0o700 });
    // Installing is the first tool call's wait (once per package set), never the model's.
    const packages = await this.#packages(session);
    const policy = networkPolicy(session.environmentConfig);
    if (allowsEgress(policy) && this.egress) {
      network.egress = await this.egress.attach(session, policy);
    } else if (allowsEgress(policy) && !this.#warnedNoEgress.has(session.environmentId)) {
      this.#warnedNoEgress.add(session.environmentId);
      this.warn(
        `hands: environment ${session.environmentId} allows network access, but no egress proxy is configured: ` +
          'its sandboxes have no network',
      );
    }
    const sandbox = await this.backend.provision({
      sessionId: session.sessionId,
      workspaceDir,
      limits: this.limits,
      egress: network.egress,
      packages,
    });
    this.onProvisioned();
    return sandbox;
  }

  #packages(session: SessionHandsContext): Promise<PackageLayer | null> {
    if (this.packages) return this.packages.layerFor(session.environmentId, session.environmentConfig);
    if (listsPackages(session.environmentConfig) && !this.#warnedNoPackages.has(session.environmentId)) {
      this.#warnedNoPackages.add(session.environmentId);
      this.warn(
        `hands: environment ${session.environmentId} lists packages, but this server installs none ` +
          '(no package layers configured): its sandboxes run without them',
      );
    }
    return Promise.resolve(null);
  }
}

function listsPackages(environmentConfig: Record<string, unknown>): boolean {
  try {
    return packageSpecOf(environmentConfig) !== null;
  } catch {
    return true;
  }
}
