import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { ReadinessResponse, type RuntimeRegisterPayload } from '@cp/contracts';
import {
  childEnv,
  createTestDatabase,
  createTestQueueAccess,
  createTestQueuePrefix,
  createTestRedis,
  eventually,
  insertRuntimeProfile,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  type TestQueueAccess,
  testRedisUrl,
} from '@cp/testing';
import type { QueryRunner } from 'typeorm';

const root = path.resolve(__dirname, '..', '..');

/** A registry worker process (the built `dist/main.js`) and the JSON lines it logged. */
interface WorkerProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves to the first line whose message matches (waits for it). */
  line(msg: string | RegExp): Promise<Record<string, unknown>>;
  /** Where it serves /metrics, /healthz and /readyz. */
  opsUrl: string;
  exit: Promise<number | null>;
}

/**
 * Graceful shutdown of a worker as a real process: SIGTERM while a job is active lets the job
 * finish and exits 0; a job still running at SHUTDOWN_TIMEOUT_MS exits 1 and is left active
 * (BullMQ's stalled check hands it to another worker), never failed.
 */
describe('worker shutdown (separate process)', () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let registry: TestQueueAccess<'registry'>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 3 });
    registry = await createTestQueueAccess('registry', prefix);
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
    await registry.close();
    const redis = await createTestRedis();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  async function startWorker(shutdownTimeoutMs: number): Promise<WorkerProcess> {
    const child = spawn(
      process.execPath,
      [path.join(root, 'services/registry-worker/dist/main.js')],
      {
        env: childEnv({
          DATABASE_URL: database.url,
          REDIS_URL: testRedisUrl(),
          QUEUE_PREFIX: prefix,
          REGISTRY_METRICS_PORT: '0',
          SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
          LOG_LEVEL: 'info',
        }),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    const lines: Record<string, unknown>[] = [];
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (text) => {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      });
    }
    const line = (msg: string | RegExp) =>
      eventually(
        () => {
          const text = (entry: Record<string, unknown>) => String(entry.msg);
          const found = lines.find((entry) =>
            typeof msg === 'string' ? text(entry) === msg : msg.test(text(entry)),
          );
          if (!found) {
            throw new Error(
              `no log line "${msg}" yet; got ${lines.map((l) => String(l.msg)).join(' | ')}`,
            );
          }
          return found;
        },
        { timeoutMs: 20_000 },
      );
    await line('worker consuming registry');
    const { url } = await line(/^metrics and health on /);
    return { child, lines, line, exit, opsUrl: String(url) };
  }

  /** A registration whose custom runtime reads (and so locks) `profileId`. */
  const registration = (workspaceId: string, profileId: string | null): RuntimeRegisterPayload => ({
    workspaceId,
    daemonId: `daemon-${randomUUID()}`,
    legacyDaemonIds: [],
    deviceName: 'build-host',
    cliVersion: '1.0.0',
    launchedBy: '',
    runtimes: [{ name: 'Codex', type: 'codex', version: '1', status: 'online', profileId }],
    ownerId: null,
  });

  /**
   * Holds `FOR UPDATE` on a profile row in a transaction of the test's own, so a registration
   * naming it blocks on `FOR KEY SHARE` until {@link QueryRunner.rollbackTransaction}.
   */
  async function lockProfile(profileId: string): Promise<QueryRunner> {
    const runner = database.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('SELECT id FROM runtime_profile WHERE id = $1 FOR UPDATE', [profileId]);
    return runner;
  }

  /** Waits until the job is active and the worker's query waits on the test's lock. */
  async function waitUntilBlocked(jobId: string): Promise<void> {
    await eventually(
      async () => {
        expect(await registry.producer.queue.getJobState(jobId)).toBe('active');
        const [row] = await database.dataSource.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'cp-registry-worker'
             AND wait_event_type = 'Lock'`,
        );
        expect(row?.waiting).toBeGreaterThan(0);
      },
      { timeoutMs: 10_000 },
    );
  }

  /** What {@link withBlockedJob} hands its body. */
  interface BlockedJob {
    worker: WorkerProcess;
    /** The id of the job that is active and blocked. */
    active: string;
    workspaceId: string;
    profileId: string;
    /** Releases the test's lock, so the job can finish. */
    release: () => Promise<void>;
  }

  /**
   * Starts a worker, gives it a registration that blocks on the test's lock on its profile, and
   * runs `body` while that job is active; the lock is released afterwards if `body` did not.
   */
  async function withBlockedJob(
    shutdownTimeoutMs: number,
    body: (held: BlockedJob) => Promise<void>,
  ): Promise<void> {
    const workspace = await insertWorkspace(database.db);
    const profile = await insertRuntimeProfile(database.db, workspace.id);
    const worker = await startWorker(shutdownTimeoutMs);
    const lock = await lockProfile(profile.id);
    const release = async (): Promise<void> => {
      if (lock.isTransactionActive) {
        await lock.rollbackTransaction();
      }
    };
    try {
      const active = await registry.producer.enqueue(
        'runtime.register',
        registration(workspace.id, profile.id),
      );
      await waitUntilBlocked(active);
      await body({ worker, active, workspaceId: workspace.id, profileId: profile.id, release });
    } finally {
      await release();
      await lock.release();
      await registry.producer.queue.drain();
    }
  }

  it('on SIGTERM stops taking jobs, finishes the active one, then exits 0', async () => {
    await withBlockedJob(20_000, async ({ worker, active, workspaceId, profileId, release }) => {
      worker.child.kill('SIGTERM');
      await worker.line('worker stopping: no new jobs; finishing the active ones');
      const late = await registry.producer.enqueue(
        'runtime.register',
        registration(workspaceId, null),
      );
      // Draining: alive, but no longer ready, so a load balancer or orchestrator looks elsewhere.
      const ready = await fetch(`${worker.opsUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(ReadinessResponse.parse(await ready.json()).down).toEqual(['worker']);
      expect((await fetch(`${worker.opsUrl}/healthz`)).status).toBe(200);
      expect(worker.child.exitCode).toBeNull();

      await release();
      expect(await worker.exit).toBe(0);

      expect(await registry.producer.queue.getJobState(active)).toBe('completed');
      const job = await registry.producer.queue.getJob(active);
      expect((job?.returnvalue as { runtimes: { profile_id: string }[] }).runtimes).toEqual([
        expect.objectContaining({ profile_id: profileId }),
      ]);
      expect(await registry.producer.queue.getJobState(late)).toBe('waiting');
      expect(worker.lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['shutting down', 'job done', 'stopped']),
      );
    });
  });

  it('exits 1 when the active job outlives SHUTDOWN_TIMEOUT_MS, leaving the job active, not failed', async () => {
    await withBlockedJob(500, async ({ worker, active }) => {
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(1);
      expect(worker.lines.map((line) => line.msg)).toContain('shutdown deadline passed; exiting');
      expect(await registry.producer.queue.getJobState(active)).toBe('active');
    });
  });

  it('exits 1 at once on a second signal while the active job holds the stop', async () => {
    await withBlockedJob(60_000, async ({ worker, active }) => {
      worker.child.kill('SIGTERM');
      await worker.line('shutting down');
      worker.child.kill('SIGINT');

      expect(await worker.exit).toBe(1);
      expect(worker.lines.map((line) => line.msg)).toContain(
        'second signal while stopping; exiting now',
      );
      expect(await registry.producer.queue.getJobState(active)).toBe('active');
    });
  });
});
