/**
 * `npm run bench:register -- [--daemons 256] [--rounds 3] [--builtins 3] [--custom 2]`
 *
 * Registration throughput and latency with the api and the registry worker in this process,
 * against a scratch database on DATABASE_URL's server and Redis on REDIS_URL. Every daemon
 * registers concurrently, `rounds` times (the first round inserts, later ones update). The same
 * load runs twice, with micro-batching and with one registration per transaction, and the
 * figures are printed side by side.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadApiConfig, startApi } from '@cp/api';
import { percentile } from '@cp/daemon';
import { createLogger, DEFAULT_REDIS_URL } from '@cp/platform';
import { createScratchDatabase } from './scratch';

const { values } = parseArgs({
  options: {
    daemons: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    builtins: { type: 'string', default: '3' },
    custom: { type: 'string', default: '2' },
  },
});
const DAEMONS = Number(values.daemons);
const ROUNDS = Number(values.rounds);
const BUILTINS = Number(values.builtins);
const CUSTOM = Number(values.custom);
const FAMILIES = ['claude', 'codex', 'copilot', 'opencode', 'gemini', 'cursor', 'kimi', 'kiro'];

interface Figures {
  label: string;
  registrations: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

const env = process.env;
const log = createLogger('bench', 'warn');

/**
 * The registry worker in its own process, as in production (the api and the load generator
 * share this one). Resolves once it consumes; the returned function stops it with SIGTERM.
 */
async function startWorker(serviceEnv: Record<string, string>): Promise<() => Promise<void>> {
  const child = spawn(
    process.execPath,
    [path.join(__dirname, '../../services/registry-worker/dist/main.js')],
    {
      env: { ...env, ...serviceEnv, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`registry worker exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker consuming')) {
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  return async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
}

async function run(label: string, batchSize: number): Promise<Figures> {
  const scratch = await createScratchDatabase(2);
  const prefix = `{bench-${randomBytes(4).toString('hex')}}`;
  const serviceEnv = {
    DATABASE_URL: scratch.url,
    REDIS_URL: env.REDIS_URL || DEFAULT_REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    LOG_LEVEL: 'warn',
    REGISTRY_BATCH_SIZE: String(batchSize),
  };
  const { db } = scratch;
  const workspace = await db.workspaces.create({ name: 'bench', slug: scratch.name });
  const { token } = await db.tokens.issue({ kind: 'daemon', workspaceId: workspace.id });
  const profiles = await Promise.all(
    Array.from({ length: CUSTOM }, (_, i) =>
      db.profiles.create({
        workspaceId: workspace.id,
        displayName: `Custom ${i}`,
        protocolFamily: 'codex',
        commandName: `custom-${i}`,
        createdBy: null,
      }),
    ),
  );

  const worker = await startWorker(serviceEnv);
  const api = await startApi(loadApiConfig(serviceEnv), log);
  const latencies: number[] = [];
  let errors = 0;
  let seconds: number;
  const started = performance.now();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: DAEMONS }, async (_, d) => {
          const body = {
            workspace_id: workspace.id,
            daemon_id: `bench-daemon-${d}`,
            device_name: `host-${d}`,
            runtimes: [
              ...FAMILIES.slice(0, BUILTINS).map((type) => ({ type, version: `1.${round}.0` })),
              ...profiles.map((p) => ({ type: 'codex', profile_id: p.id, version: '9.9.9' })),
            ],
          };
          const t0 = performance.now();
          const res = await fetch(`${api.url}/api/daemon/register`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status !== 200) {
            errors++;
          }
        }),
      );
    }
    seconds = (performance.now() - started) / 1000;
  } finally {
    await api.stop();
    await worker();
    const rows = await db.runtimes.listInWorkspace(workspace.id);
    if (rows.length !== DAEMONS * (BUILTINS + CUSTOM)) {
      errors++;
      process.stderr.write(
        `${label}: expected ${DAEMONS * (BUILTINS + CUSTOM)} rows, found ${rows.length}\n`,
      );
    }
    await scratch.drop();
  }
  latencies.sort((a, b) => a - b);
  return {
    label,
    registrations: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
  };
}

async function main(): Promise<void> {
  const batched = await run('micro-batched (64/tx)', 64);
  const single = await run('one per transaction', 1);
  const rows = [batched, single].map((f) => ({
    mode: f.label,
    'registrations/s': (f.registrations / f.seconds).toFixed(0),
    'runtime rows/s': ((f.registrations * (BUILTINS + CUSTOM)) / f.seconds).toFixed(0),
    'p50 ms': f.p50.toFixed(1),
    'p95 ms': f.p95.toFixed(1),
    'p99 ms': f.p99.toFixed(1),
    errors: f.errors,
  }));
  const out = process.stdout;
  out.write(
    `register bench: ${DAEMONS} concurrent daemons x ${ROUNDS} rounds, ` +
      `${BUILTINS} built-in + ${CUSTOM} custom runtimes each\n`,
  );
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((h) =>
    Math.max(h.length, ...rows.map((r) => String(r[h as keyof typeof r]).length)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ') + '\n';
  out.write(line(headers));
  for (const row of rows) {
    out.write(line(headers.map((h) => String(row[h as keyof typeof row]))));
  }
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
  out.write(
    `ratio batched/single: throughput x${ratio(batched.registrations / batched.seconds, single.registrations / single.seconds)}, ` +
      `p99 x${ratio(batched.p99, single.p99)}\n`,
  );
  if (batched.errors + single.errors > 0) {
    process.exitCode = 1;
  }
}

void main();
