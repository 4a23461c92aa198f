/**
 * Sandbox latency: cold start to the first command's output, warm execute overhead, and the
 * bubblewrap backend against the unsandboxed local one. Run: `npx tsx bench/sandbox.ts [runs]`.
 * Target (2-core machine): bubblewrap cold start p50 <= 15 ms, p95 <= 30 ms.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxBackend } from '../src/hands/backend.js';
import { createBubblewrapBackend } from '../src/hands/bubblewrap/bubblewrapBackend.js';
import { createHands } from '../src/hands/createHands.js';
import { resolveLimits } from '../src/hands/limits.js';
import { createLocalBackend } from '../src/hands/local/localBackend.js';

const RUNS = Number(process.argv[2] ?? 40);
const WARMUP = 5;
const never = new AbortController().signal;
const limits = resolveLimits();

interface Row {
  what: string;
  backend: string;
  samples: number[];
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Times `once` (minus anything it reports as untimed, such as teardown) `runs` times after a warm-up. */
async function sample(runs: number, once: (i: number) => Promise<number | void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs + WARMUP; i++) {
    const start = performance.now();
    const untimed = (await once(i)) ?? 0;
    if (i >= WARMUP) samples.push(performance.now() - start - untimed);
  }
  return samples;
}

async function benchBackend(name: string, make: (dataDir: string) => SandboxBackend): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), `bosun-bench-${name}-`));
  const backend = make(dataDir);
  const workspace = (i: number) => {
    const dir = join(dataDir, 'hands', `sesn_bench_${i}`, 'workspace');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  };
  const provision = (i: number) =>
    backend.provision({ sessionId: `sesn_bench_${i}`, workspaceDir: workspace(i), limits, egress: null });
  try {
    const cold = await sample(RUNS, async (i) => {
      const sandbox = await provision(i);
      const out = await sandbox.exec('echo ready', { timeoutMs: 10_000, maxOutputChars: 1024 }, never);
      if (out.status !== 'exited' || out.output !== 'ready')
        throw new Error(`cold start failed: ${JSON.stringify(out)}`);
      const teardown = performance.now();
      await sandbox.dispose();
      // as between two sessions' first calls: the launcher pool refills in the background
      await new Promise((resolve) => setTimeout(resolve, 20));
      return performance.now() - teardown;
    });
    const sandbox = await provision(10_000);
    await sandbox.exec('true', { timeoutMs: 10_000, maxOutputChars: 1024 }, never);
    const warm = await sample(RUNS * 5, async () => {
      await sandbox.exec('true', { timeoutMs: 10_000, maxOutputChars: 1024 }, never);
    });
    const oneShot = await sample(RUNS, async () => {
      await sandbox.run({ argv: ['true'], timeoutMs: 10_000 }, never);
    });
    await sandbox.dispose();
    return [
      { what: 'cold start → first command output', backend: name, samples: cold },
      { what: 'warm bash command (persistent shell)', backend: name, samples: warm },
      { what: 'one-shot process (file tools)', backend: name, samples: oneShot },
    ];
  } finally {
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** End to end through Hands.execute: recording the result (fsync + rename) included. */
async function benchExecute(name: 'bubblewrap' | 'local'): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), `bosun-bench-exec-${name}-`));
  const hands = createHands({ dataDir, backend: name, allowUnsandboxed: true, logger: { warn: () => {} } });
  const session = { sessionId: 'sesn_bench_exec', environmentId: 'env_bench', environmentConfig: { type: 'cloud' } };
  let n = 0;
  const call = (tool: string, input: unknown) => hands.execute(session, `sevt_${++n}`, tool, input, never);
  try {
    await call('write', { file_path: 'f.txt', content: 'hello\n' });
    const bash = await sample(RUNS, async () => void (await call('bash', { command: 'true' })));
    const read = await sample(RUNS, async () => void (await call('read', { file_path: 'f.txt' })));
    return [
      { what: 'Hands.execute bash (warm, recorded)', backend: name, samples: bash },
      { what: 'Hands.execute read (recorded)', backend: name, samples: read },
    ];
  } finally {
    await hands.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows = [
  ...(await benchBackend('bubblewrap', (dataDir) =>
    createBubblewrapBackend({ dataDir, handsRoot: join(dataDir, 'hands') }),
  )),
  ...(await benchBackend('local', () => createLocalBackend())),
  ...(await benchExecute('bubblewrap')),
  ...(await benchExecute('local')),
];

const fmt = (ms: number) => ms.toFixed(2).padStart(8);
process.stdout.write(
  `sandbox bench: ${RUNS} runs (${WARMUP} warm-up), Node ${process.versions.node}, ${(await import('node:os')).cpus().length} CPUs\n\n`,
);
process.stdout.write(
  `${'what'.padEnd(40)}${'backend'.padEnd(12)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}${'max ms'.padStart(8)}\n`,
);
for (const row of rows) {
  const sorted = [...row.samples].sort((a, b) => a - b);
  process.stdout.write(
    `${row.what.padEnd(40)}${row.backend.padEnd(12)}${fmt(quantile(sorted, 0.5))}${fmt(quantile(sorted, 0.95))}${fmt(sorted.at(-1) ?? NaN)}\n`,
  );
}
const cold = rows.find((r) => r.backend === 'bubblewrap' && r.what.startsWith('cold'));
if (cold) {
  const sorted = [...cold.samples].sort((a, b) => a - b);
  const [p50, p95] = [quantile(sorted, 0.5), quantile(sorted, 0.95)];
  process.stdout.write(
    `\ntarget bubblewrap cold start p50 <= 15 ms, p95 <= 30 ms: ${p50 <= 15 && p95 <= 30 ? 'met' : 'NOT met'} (p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)})\n`,
  );
}
