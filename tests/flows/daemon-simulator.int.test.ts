import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MESSAGES } from '@cp/contracts';
import { runSimulatorCli, type SimulationSummary } from '@cp/daemon';
import {
  insertDaemonToken,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import { listen, type ListeningApi } from './support/daemon-host';
import { type FlowSystem, startFlowSystem } from './support/system';

/** The daemon simulator at smoke size against a real in-process api and registry worker. */
describe('daemon simulator', () => {
  let system: FlowSystem;
  let database: TestDatabase;
  let api: ListeningApi;
  let asyncApi: ListeningApi;
  let dir: string;

  beforeAll(async () => {
    system = await startFlowSystem({
      workers: ['registry'],
      concurrency: 16,
      registryBatch: { maxBatchSize: 16, maxConcurrentFlushes: 2 },
    });
    database = system.database;
    api = await listen(system.app);
    asyncApi = await listen(system.buildApp({ registerWaitMs: 0 }));
    dir = await mkdtemp(path.join(tmpdir(), 'cp-simulator-'));
  });

  afterAll(async () => {
    await api?.close();
    await asyncApi?.close();
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function workspaceWithProfiles(count: number) {
    const workspace = await insertWorkspace(database.db);
    const { token } = await insertDaemonToken(database.db, workspace.id);
    for (let i = 0; i < count; i++) {
      await insertRuntimeProfile(database.db, workspace.id);
    }
    return { workspaceId: workspace.id, token };
  }

  /** Runs the CLI; returns its exit code, its outputs and the `--json` summary. */
  /** The arguments that point the simulator at a server, a daemon token and a workspace. */
  const target = (server: string, token: string, workspaceId: string): string[] => [
    '--server',
    server,
    '--token',
    token,
    '--workspace',
    workspaceId,
  ];

  async function simulate(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const jsonFile = path.join(dir, `summary-${Math.random().toString(16).slice(2)}.json`);
    const code = await runSimulatorCli([...args, '--json', jsonFile], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      progress: { isTTY: false, write: (t: string) => progress.push(t) },
      env: { path: '' },
    });
    const summary =
      code === 0 ? (JSON.parse(await readFile(jsonFile, 'utf8')) as SimulationSummary) : undefined;
    return { code, out: out.join(''), err: err.join(''), progress, summary };
  }

  const rowCount = async (workspaceId: string): Promise<number> =>
    (await database.db.runtimes.listInWorkspace(workspaceId)).length;

  it('registers N daemons × R runtimes, K of them custom, and prints the figures', async () => {
    const { workspaceId, token } = await workspaceWithProfiles(2);

    const run = await simulate([
      ...target(api.url.href, token, workspaceId),
      '--daemons',
      '12',
      '--concurrency',
      '4',
      '--runtimes',
      '3',
      '--custom-profiles',
      '2',
    ]);

    expect(run.code).toBe(0);
    expect(run.summary).toMatchObject({
      daemons: 12,
      registered: 12,
      failed: 0,
      runtimeRows: 36,
      retries: 0,
      errors: {},
    });
    expect(run.summary?.statusCodes.register).toEqual({ '200': 12 });
    expect(run.summary?.statusCodes.profiles['200']).toBe(13);
    expect(run.summary?.registrationLatencyMs.count).toBe(12);
    expect(run.out).toContain('registrations/s');
    expect(run.out).toContain('status codes         register: 200×12');
    expect(run.progress.at(-1)).toMatch(/12\/12 /);
    const rows = await database.db.runtimes.listInWorkspace(workspaceId);
    expect(rows).toHaveLength(36);
    expect(rows.filter((r) => r.profileId !== null)).toHaveLength(24);
  });

  it('fires a storm, follows every 202, and re-registers the same daemons with the same seed', async () => {
    const { workspaceId, token } = await workspaceWithProfiles(1);
    const args = [
      '--server',
      asyncApi.url.href,
      '--token',
      token,
      '--workspace',
      workspaceId,
      '--daemons',
      '10',
      '--concurrency',
      '3',
      '--runtimes',
      '2',
      '--custom-profiles',
      '1',
      '--storm',
      '--id-seed',
      'smoke',
    ];

    const first = await simulate(args);
    const second = await simulate(args);

    for (const run of [first, second]) {
      expect(run.code).toBe(0);
      expect(run.summary).toMatchObject({
        registered: 10,
        runtimeRows: 20,
        accepted202: 10,
        followed202ToCompletion: 10,
      });
      expect(run.summary?.statusCodes.register).toEqual({ '202': 10 });
    }
    expect(await rowCount(workspaceId)).toBe(20);
  });

  it('counts the retries of daemons answered 503', async () => {
    const { workspaceId, token } = await workspaceWithProfiles(1);
    // The api's own 503 body; `Retry-After: 0` keeps the waits to the short default backoff.
    let unavailable = 2;
    const flaky = await listen((req, res) => {
      if (req.method === 'POST' && req.url === '/api/daemon/register' && unavailable > 0) {
        unavailable--;
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ error: MESSAGES.queueUnavailable, code: 'QUEUE_UNAVAILABLE' }));
        return;
      }
      system.app(req, res);
    });
    try {
      const run = await simulate([
        ...target(flaky.url.href, token, workspaceId),
        '--daemons',
        '3',
        '--concurrency',
        '3',
        '--runtimes',
        '2',
        '--custom-profiles',
        '1',
      ]);

      expect(run.code).toBe(0);
      expect(run.summary).toMatchObject({ registered: 3, failed: 0, retries: 2 });
      expect(run.summary?.statusCodes.register).toEqual({ '200': 3, '503': 2 });
    } finally {
      await flaky.close();
    }
  });

  it('refuses to start with too few profiles, as a usage error', async () => {
    const { workspaceId, token } = await workspaceWithProfiles(1);

    const run = await simulate([
      ...target(api.url.href, token, workspaceId),
      '--runtimes',
      '3',
      '--custom-profiles',
      '2',
    ]);

    expect(run.code).toBe(2);
    expect(run.err).toMatch(/error: the workspace has 1 enabled profiles; --custom-profiles 2/);
    expect(await rowCount(workspaceId)).toBe(0);
  });
});
