import { hostname } from 'node:os';
import { AgentRuntimeList, RuntimeProfileJson } from '@cp/contracts';
import {
  ApiClient,
  DaemonState,
  HttpClient,
  NO_RUNTIMES_MESSAGE,
  NoRuntimesError,
  runCli,
} from '@cp/daemon';
import {
  eventually,
  insertDaemonToken,
  insertMember,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import express, { type Express } from 'express';
import request from 'supertest';
import {
  createDaemonHost,
  type DaemonHost,
  listen,
  type ListeningApi,
} from './support/daemon-host';
import { type FlowSystem, startFlowSystem } from './support/system';

/**
 * The daemon against the real api over HTTP (upstream's daemon tests, spec §7.2, and more).
 * A recorder in front of the api notes each request line and can act just before a register
 * request reaches the api; it never answers for it. For chosen workspaces it stands in for an
 * older api or a proxy on the profile list (a 404, or a 200 that is not the list).
 */
describe('daemon against the api', () => {
  let system: FlowSystem;
  let database: TestDatabase;
  let api: ListeningApi;
  let asyncApi: ListeningApi;
  const seen: string[] = [];
  let beforeNextRegister: (() => Promise<void>) | undefined;
  /** Workspaces whose profile list is served as by an api built before that route existed. */
  const olderServerFor = new Set<string>();
  /** Workspaces whose profile list is answered 200 with this body (a proxy's page, a new shape). */
  const unreadableProfilesFor = new Map<string, { type: string; body: string }>();

  /** The recorder around an api (see the describe's comment). */
  function recorded(app: Express): Express {
    const outer = express();
    outer.use(async (req, res, next) => {
      seen.push(`${req.method} ${req.originalUrl}`);
      const hook = beforeNextRegister;
      if (req.method === 'POST' && req.path === '/api/daemon/register' && hook) {
        beforeNextRegister = undefined;
        await hook();
      }
      // An api without the daemon profile list (spec §3.8: "a server built before this commit
      // answers 404"): the path is one the real api has no route for, so its own 404 answers.
      const match = /^\/api\/daemon\/workspaces\/([^/]+)\/runtime-profiles$/.exec(req.path);
      if (match?.[1] !== undefined && olderServerFor.has(match[1])) {
        req.url = `/api/daemon/workspaces/${match[1]}/runtime-profiles-unknown-here`;
      }
      const unreadable = match?.[1] === undefined ? undefined : unreadableProfilesFor.get(match[1]);
      if (unreadable) {
        res.status(200).type(unreadable.type).send(unreadable.body);
        return;
      }
      next();
    });
    outer.use(app);
    return outer;
  }

  beforeAll(async () => {
    system = await startFlowSystem({ workers: ['registry'] });
    database = system.database;
    api = await listen(recorded(system.app));
    // The same system, answering every registration 202 at once (as `Prefer: respond-async`).
    asyncApi = await listen(recorded(system.buildApp({ registerWaitMs: 0 })));
  });

  afterAll(async () => {
    await api?.close();
    await asyncApi?.close();
    await system?.stop();
  });

  let host: DaemonHost;

  beforeEach(async () => {
    host = await createDaemonHost();
  });

  afterEach(async () => {
    await host.remove();
  });

  async function fixture() {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const { token } = await insertDaemonToken(database.db, workspace.id, owner.user.id);
    const connect = { server: api.url, token, workspaceId: workspace.id };
    return { workspace, owner, token, connect };
  }

  /** The workspace's runtime rows as a member reads them. */
  async function runtimesOf(workspaceId: string, memberToken: string) {
    const res = await request(system.app)
      .get('/api/runtimes')
      .query({ workspace_id: workspaceId })
      .auth(memberToken, { type: 'bearer' });
    expect(res.status).toBe(200);
    return AgentRuntimeList.parse(res.body);
  }

  /** Request lines recorded from index `from` on. */
  const seenSince = (from: number): string[] => seen.slice(from);

  it('fetches profiles with a GET to exactly /api/daemon/workspaces/{id}/runtime-profiles', async () => {
    const { workspace, token } = await fixture();
    const profile = await insertRuntimeProfile(database.db, workspace.id, {
      fixedArgs: ['--foo'],
    });
    const http = new HttpClient(api.url, { maxSockets: 1 });
    const from = seen.length;

    const list = await new ApiClient(http, token).listProfiles(workspace.id);
    http.close();

    expect(seenSince(from)).toEqual([
      `GET /api/daemon/workspaces/${workspace.id}/runtime-profiles`,
    ]);
    expect(list.workspace_id).toBe(workspace.id);
    expect(list.runtime_profiles).toEqual([
      {
        id: profile.id,
        display_name: profile.displayName,
        protocol_family: 'codex',
        command_name: 'company-codex',
        fixed_args: ['--foo'],
        enabled: true,
      },
    ]);
  });

  it('registers exactly its profile on a custom-only host and records the resolved path', async () => {
    const { workspace, owner, connect } = await fixture();
    const profile = await insertRuntimeProfile(database.db, workspace.id, {
      displayName: 'Company Codex',
      commandName: 'company-codex',
      fixedArgs: ['--model', 'composer-2.5'],
    });
    const commandPath = await host.addCli('company-codex', 'company-codex 9.9.9');

    const outcome = await host.daemon(connect).run({ once: true });

    expect(outcome.request.runtimes).toEqual([
      {
        name: 'Company Codex (flowhost)',
        type: 'codex',
        version: '9.9.9',
        status: 'online',
        profile_id: profile.id,
      },
    ]);
    expect(outcome.request.failed_profiles).toEqual([]);
    expect(outcome.request.legacy_daemon_ids).toContain(hostname().replace(/\.local$/i, ''));
    expect(outcome.response.runtimes).toEqual([
      expect.objectContaining({ provider: 'codex', profile_id: profile.id, status: 'online' }),
    ]);
    const [stored] = await new DaemonState(host.stateDir).registrations();
    expect(stored?.profiles[profile.id]).toEqual({
      display_name: 'Company Codex',
      protocol_family: 'codex',
      command_name: 'company-codex',
      command_path: commandPath,
      fixed_args: ['--model', 'composer-2.5'],
      version: '9.9.9',
    });
    const rows = await runtimesOf(workspace.id, owner.token);
    expect(rows.map((r) => [r.id, r.profile_id, r.daemon_id])).toEqual([
      [outcome.response.runtimes[0]?.id, profile.id, outcome.record.daemon_id],
    ]);
  });

  it('keeps its daemon id across runs, so registering again updates the same rows', async () => {
    const { connect } = await fixture();
    await host.addCli('codex', 'codex-cli 0.118.0');

    const first = await host.daemon(connect).run({ once: true });
    const second = await host.daemon(connect).run({ once: true });

    expect(second.record.daemon_id).toBe(first.record.daemon_id);
    expect(second.response.runtimes.map((r) => r.id)).toEqual(
      first.response.runtimes.map((r) => r.id),
    );
  });

  it('fails without sending anything when nothing resolves and there is no built-in', async () => {
    const { workspace, owner, connect } = await fixture();
    const from = seen.length;

    const failure = host.daemon(connect).run({ once: true });

    await expect(failure).rejects.toThrow(NoRuntimesError);
    await expect(failure).rejects.toThrow(NO_RUNTIMES_MESSAGE);
    expect(seenSince(from)).toEqual([
      `GET /api/daemon/workspaces/${workspace.id}/runtime-profiles`,
    ]);
    expect(await runtimesOf(workspace.id, owner.token)).toEqual([]);
    expect(await new DaemonState(host.stateDir).registrations()).toEqual([]);
  });

  it('reports profiles it cannot run: offline rows with the reason, and no path recorded', async () => {
    const { workspace, owner, connect } = await fixture();
    const missing = await insertRuntimeProfile(database.db, workspace.id, {
      commandName: 'missing-cx',
    });
    const notExecutable = await insertRuntimeProfile(database.db, workspace.id, {
      commandName: 'plain-cx',
    });
    await host.addPlainFile('plain-cx');

    const outcome = await host.daemon(connect).run({ once: true });

    expect(outcome.request.runtimes).toEqual([]);
    expect(outcome.request.failed_profiles).toEqual(
      expect.arrayContaining([
        {
          profile_id: missing.id,
          command_name: 'missing-cx',
          reason: 'command not found on PATH: missing-cx',
        },
        {
          profile_id: notExecutable.id,
          command_name: 'plain-cx',
          reason: 'command not found on PATH: plain-cx',
        },
      ]),
    );
    expect(outcome.response.runtimes).toEqual([]);
    expect(outcome.record.profiles).toEqual({});
    expect(host.events()).toContain('no_runnable_runtimes');
    const rows = await runtimesOf(workspace.id, owner.token);
    expect(rows.find((r) => r.profile_id === missing.id)).toMatchObject({
      status: 'offline',
      provider: 'codex',
      daemon_id: outcome.record.daemon_id,
      metadata: {
        runtime_profile_registration_error: true,
        runtime_profile_failure_reason: 'command not found on PATH: missing-cx',
        command_name: 'missing-cx',
      },
    });
    expect(rows).toHaveLength(2);
  });

  it('registers the built-ins alone when the profile list answers 404 (an older api)', async () => {
    const { workspace, connect } = await fixture();
    olderServerFor.add(workspace.id);
    await insertRuntimeProfile(database.db, workspace.id, { commandName: 'company-codex' });
    await host.addCli('company-codex', '1.0.0');
    const claude = await host.addCli('claude', '2.1.5 (Claude Code)');
    await host.addCli('codex', 'this build prints no version');

    const outcome = await host.daemon(connect).run({ once: true });

    expect(outcome.request.runtimes).toEqual([
      { name: 'Claude (flowhost)', type: 'claude', version: '2.1.5', status: 'online' },
    ]);
    expect(outcome.response.runtimes).toEqual([
      expect.objectContaining({ provider: 'claude', profile_id: null }),
    ]);
    expect(outcome.record.built_ins).toEqual({
      claude: { command_path: claude, version: '2.1.5' },
    });
    expect(host.records.find((r) => r.event === 'profiles_unavailable')?.fields).toMatchObject({
      status: 404,
    });
    expect(host.records.find((r) => r.event === 'builtin_skipped')?.fields).toMatchObject({
      provider: 'codex',
    });
  });

  it.each([
    ['an HTML page (a proxy)', 'text/html', '<!doctype html><title>Sign in</title>', 'not JSON'],
    [
      'another shape (a newer server)',
      'application/json',
      '{"workspace_id": "w", "runtime_profiles": {"items": []}}',
      'not the expected shape',
    ],
  ])(
    'registers the built-ins alone when the profile list is a 200 it cannot read: %s',
    async (_what, type, body, why) => {
      const { workspace, connect } = await fixture();
      unreadableProfilesFor.set(workspace.id, { type, body });
      await insertRuntimeProfile(database.db, workspace.id, { commandName: 'company-codex' });
      await host.addCli('company-codex', '1.0.0');
      await host.addCli('claude', '2.1.5 (Claude Code)');

      const outcome = await host.daemon(connect).run({ once: true });

      expect(outcome.request.runtimes).toEqual([
        { name: 'Claude (flowhost)', type: 'claude', version: '2.1.5', status: 'online' },
      ]);
      expect(outcome.response.runtimes).toEqual([
        expect.objectContaining({ provider: 'claude', profile_id: null }),
      ]);
      const unavailable = host.records.filter((r) => r.event === 'profiles_unavailable');
      expect(unavailable.map((r) => r.fields)).toEqual([
        { status: 200, reason: expect.stringContaining(why) as unknown },
      ]);
    },
  );

  it('resolves runtime → argv from its state after the run: custom, built-in, unknown', async () => {
    const { workspace, connect } = await fixture();
    const profile = await insertRuntimeProfile(database.db, workspace.id, {
      commandName: 'ccms',
      fixedArgs: ['start', 'q36'],
    });
    const ccms = await host.addCli('ccms', 'ccms 1.0.0');
    const claude = await host.addCli('claude', '2.0.0');
    const outcome = await host.daemon(connect).run({ once: true });
    const custom = outcome.response.runtimes.find((r) => r.profile_id === profile.id);
    const builtIn = outcome.response.runtimes.find((r) => r.provider === 'claude');
    const resolve = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['resolve', '--state-dir', host.stateDir, ...args], {
        output: { out: (t) => out.push(t), err: (t) => err.push(t) },
        env: { path: '' },
        cwd: '/',
      });
      return { code, out: out.join(''), err: err.join('') };
    };

    const customArgv = await resolve(custom?.id ?? '', '--', '--output-format', 'stream-json');
    expect(customArgv).toEqual({
      code: 0,
      out: `${JSON.stringify([ccms, 'start', 'q36', '--output-format', 'stream-json'])}\n`,
      err: '',
    });
    expect((await resolve(builtIn?.id ?? '', '--', '-p', 'hi')).out).toBe(
      `${JSON.stringify([claude, '-p', 'hi'])}\n`,
    );
    const unknown = await resolve('00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^error: unknown runtime: 00000000-0000-4000-8000-000000000000/);
  });

  it('drops a profile the api refuses, refetches the profiles once and registers the rest', async () => {
    const { workspace, owner, connect } = await fixture();
    const kept = await insertRuntimeProfile(database.db, workspace.id, { commandName: 'kept-cx' });
    const disabled = await insertRuntimeProfile(database.db, workspace.id, {
      commandName: 'doomed-cx',
    });
    await host.addCli('kept-cx', '1.0.0');
    await host.addCli('doomed-cx', '1.0.0');
    // Disabled between the daemon's fetch and its register call (spec §4.6).
    beforeNextRegister = async () => {
      await database.dataSource.query(`UPDATE runtime_profile SET enabled = false WHERE id = $1`, [
        disabled.id,
      ]);
    };
    const from = seen.length;

    const outcome = await host.daemon(connect).run({ once: true });

    const profilesLine = `GET /api/daemon/workspaces/${workspace.id}/runtime-profiles`;
    expect(seenSince(from)).toEqual([
      profilesLine,
      'POST /api/daemon/register',
      profilesLine,
      'POST /api/daemon/register',
    ]);
    expect(host.records.find((r) => r.event === 'profile_refused')?.fields).toEqual({
      profile_id: disabled.id,
      status: 409,
      code: 'PROFILE_DISABLED',
      reason: `runtime profile is disabled: ${disabled.id}`,
    });
    expect(outcome.request.runtimes?.map((r) => r.profile_id)).toEqual([kept.id]);
    const rows = await runtimesOf(workspace.id, owner.token);
    expect(rows.map((r) => r.profile_id)).toEqual([kept.id]);
  });

  it('follows a 202 through the operation until the registration ends', async () => {
    const { workspace, connect } = await fixture();
    await host.addCli('codex', '1.2.3');
    const worker = system.workers.registry?.worker;
    if (!worker) {
      throw new Error('no registry worker');
    }
    await worker.pause();
    const from = seen.length;
    try {
      const run = host.daemon({ ...connect, server: asyncApi.url }).run({ once: true });
      // The job waits in the queue while the daemon reads its operation.
      await eventually(() =>
        expect(
          seenSince(from).filter((line) => line.startsWith('GET /api/operations/')),
        ).not.toEqual([]),
      );
      await worker.resume();
      const outcome = await run;

      expect(outcome.followed).toBe(true);
      expect(outcome.response.runtimes).toEqual([
        expect.objectContaining({ provider: 'codex', workspace_id: workspace.id }),
      ]);
      expect(host.events()).toContain('register_accepted');
    } finally {
      await worker.resume();
    }
  });

  it('keeps running and re-registers when a heartbeat says its runtime is gone', async () => {
    const { workspace, owner, connect } = await fixture();
    const profile = await insertRuntimeProfile(database.db, workspace.id, {
      commandName: 'company-codex',
    });
    await host.addCli('company-codex', '1.0.0');
    const stop = new AbortController();
    const running = host.daemon(connect).run({ signal: stop.signal });
    try {
      const first = await eventually(async () => {
        const [row] = await runtimesOf(workspace.id, owner.token);
        expect(row?.profile_id).toBe(profile.id);
        return row;
      });
      await eventually(() => expect(host.events()).toContain('registered'));
      await database.dataSource.query(`DELETE FROM agent_runtime WHERE id = $1`, [first?.id]);

      // The row is committed before the daemon has read the answer: wait for both.
      const second = await eventually(async () => {
        expect(host.events().filter((e) => e === 'registered')).toHaveLength(2);
        const [row] = await runtimesOf(workspace.id, owner.token);
        expect(row?.id).toBeDefined();
        expect(row?.id).not.toBe(first?.id);
        return row;
      });

      expect(second).toMatchObject({ profile_id: profile.id, status: 'online' });
      expect(host.records.find((r) => r.event === 'runtime_gone')?.fields).toMatchObject({
        runtime_id: first?.id,
      });
    } finally {
      stop.abort();
      await running;
    }
  });

  it('re-registers with a profile created on the server while it runs (profile sync)', async () => {
    const { workspace, owner, connect } = await fixture();
    await host.addCli('claude', '2.0.0');
    const commandPath = await host.addCli('late-cx', 'late-cx 3.1.4');
    const stop = new AbortController();
    const running = host.daemon({ ...connect, profileSyncIntervalMs: 20 }).run({
      signal: stop.signal,
    });
    try {
      await eventually(() => expect(host.events()).toContain('registered'));
      const created = await request(system.app)
        .post(`/api/workspaces/${workspace.id}/runtime-profiles`)
        .auth(owner.token, { type: 'bearer' })
        .send({
          display_name: 'Late Codex',
          protocol_family: 'codex',
          command_name: 'late-cx',
          fixed_args: ['--late'],
        });
      expect(created.status).toBe(201);
      const profile = RuntimeProfileJson.parse(created.body);

      const rows = await eventually(async () => {
        expect(host.events().filter((e) => e === 'registered')).toHaveLength(2);
        const all = await runtimesOf(workspace.id, owner.token);
        expect(all.map((r) => r.profile_id)).toContain(profile.id);
        return all;
      });

      expect(host.records.filter((r) => r.event === 'reregistering').map((r) => r.fields)).toEqual([
        { reason: 'profiles_changed' },
      ]);
      expect(rows.find((r) => r.profile_id === profile.id)).toMatchObject({
        status: 'online',
        provider: 'codex',
        name: 'Late Codex (flowhost)',
      });
      const [stored] = await new DaemonState(host.stateDir).registrations();
      expect(stored?.profiles[profile.id]).toMatchObject({
        command_path: commandPath,
        fixed_args: ['--late'],
        version: '3.1.4',
      });
    } finally {
      stop.abort();
      await running;
    }
  });

  it('keeps running when a later profile sync gets a 200 it cannot read', async () => {
    const { workspace, connect } = await fixture();
    await host.addCli('claude', '2.0.0');
    const stop = new AbortController();
    const running = host.daemon({ ...connect, profileSyncIntervalMs: 20 }).run({
      signal: stop.signal,
    });
    try {
      await eventually(() => expect(host.events()).toContain('registered'));
      unreadableProfilesFor.set(workspace.id, { type: 'text/html', body: '<html></html>' });

      // Two failed syncs: the loop went on after the first one.
      await eventually(() =>
        expect(
          host.records.filter((r) => r.event === 'profiles_unavailable' && r.fields.status === 200)
            .length,
        ).toBeGreaterThanOrEqual(2),
      );
      expect(host.events().filter((e) => e === 'registered')).toHaveLength(1);
    } finally {
      stop.abort();
    }
    // Resolves (run never threw) with the first registration.
    const outcome = await running;
    expect(outcome.response.runtimes).toEqual([
      expect.objectContaining({ provider: 'claude', status: 'online' }),
    ]);
    expect(host.events()).toContain('stopped');
  });
});
