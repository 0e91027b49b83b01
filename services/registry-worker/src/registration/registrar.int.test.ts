import { createHash, randomUUID } from 'node:crypto';
import {
  AppError,
  type ErrorCode,
  MESSAGES,
  type RegisterEntryPayload,
  RegisterResponse,
  RuntimeRegisterPayload,
} from '@cp/contracts';
import { type AgentRuntime, type Db, pgErrorOf, sqlRows } from '@cp/db';
import { createLogger } from '@cp/platform';
import {
  createTestDatabase,
  insertAgent,
  insertRuntime,
  insertRuntimeProfile,
  insertTask,
  insertUser,
  insertWorkspace,
  type TestDatabase,
  uniqueSuffix,
} from '@cp/testing';
import { z } from 'zod';
import { makeRegistrar, type Registrar } from './registrar';

const log = createLogger('registrar-test', 'silent');

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A valid job payload for `workspaceId` on a fresh daemon: one built-in codex entry. */
function buildPayload(
  workspaceId: string,
  over: Partial<RuntimeRegisterPayload> = {},
): RuntimeRegisterPayload {
  return RuntimeRegisterPayload.parse({
    workspaceId,
    daemonId: randomUUID(),
    legacyDaemonIds: [],
    deviceName: 'devbox',
    cliVersion: '1.4.2',
    launchedBy: 'desktop',
    runtimes: [builtIn('codex')],
    ownerId: null,
    ...over,
  });
}

/** A built-in entry of provider `type`. */
function builtIn(type: string, over: Partial<RegisterEntryPayload> = {}): RegisterEntryPayload {
  return {
    name: `${type} runtime`,
    type,
    version: '0.9.0',
    status: 'online',
    profileId: null,
    ...over,
  };
}

/** An entry for profile `profileId` (the daemon sends the family as `type`). */
function custom(profileId: string, over: Partial<RegisterEntryPayload> = {}): RegisterEntryPayload {
  return builtIn('codex', { name: 'Company Codex', profileId, ...over });
}

/** The data of a `runtime.registered` event. */
const RegisteredData = z.object({ daemon_id: z.string(), runtime_ids: z.array(z.string()) });
type RegisteredData = z.infer<typeof RegisteredData>;

/** The error `work` rejects with; fails when it resolves. */
async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Asserts `err` is the AppError with `code` and `message`. */
function expectAppError(err: unknown, code: ErrorCode, message: string): void {
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code, message });
}

describe(makeRegistrar.name, () => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
  });

  afterAll(async () => {
    await database?.drop();
  });

  interface Harness {
    sut: Registrar;
    /** How often the registrar kicked the relay. */
    kicks: () => number;
    /** How many transactions the registrar opened. */
    transactions: () => number;
  }

  /**
   * A registrar on the test database. `failTransactions` lists the (1-based) transaction calls
   * that fail with a deadlock before running.
   */
  function makeHarness(
    opts: {
      maxBatchSize?: number;
      maxConcurrentFlushes?: number;
      failTransactions?: number[];
    } = {},
  ): Harness {
    let transactions = 0;
    const counted: Db = {
      ...db,
      transaction: <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
        transactions++;
        if (opts.failTransactions?.includes(transactions)) {
          return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
        }
        return db.transaction(fn);
      },
    };
    let kicks = 0;
    const sut = makeRegistrar(
      {
        db: counted,
        log,
        relay: {
          kick: () => {
            kicks++;
          },
        },
      },
      {
        maxBatchSize: opts.maxBatchSize ?? 64,
        maxConcurrentFlushes: opts.maxConcurrentFlushes ?? 4,
      },
    );
    return { sut, kicks: () => kicks, transactions: () => transactions };
  }

  /** The data of the `runtime.registered` events recorded for a workspace, by daemon id. */
  async function registeredEvents(workspaceId: string): Promise<RegisteredData[]> {
    const events = await db.outbox.listForWorkspace(workspaceId);
    expect(events.map((e) => e.type)).toEqual(events.map(() => 'runtime.registered'));
    return events.map((e) => RegisteredData.parse(e.data)).sort(byDaemonId);
  }

  /** The daemon ids of the `runtime.registered` events recorded for a workspace, sorted. */
  const registeredDaemons = async (workspaceId: string): Promise<string[]> =>
    (await registeredEvents(workspaceId)).map((e) => e.daemon_id);

  /** Registers `payload` on a fresh registrar and checks the answer against the contract. */
  async function register(payload: RuntimeRegisterPayload): Promise<RegisterResponse> {
    return RegisterResponse.parse(await makeHarness().sut.register(payload));
  }

  /** The rows of one daemon in one workspace, oldest first. */
  async function rowsOf(workspaceId: string, daemonId: string): Promise<AgentRuntime[]> {
    const rows = await db.runtimes.listInWorkspace(workspaceId);
    return rows.filter((row) => row.daemonId === daemonId);
  }

  /** The number of runtime rows of a workspace. */
  async function countRows(workspaceId: string): Promise<number> {
    return (await db.runtimes.listInWorkspace(workspaceId)).length;
  }

  /** The runtime row `id`; fails when it is gone. */
  async function rowOf(id: string): Promise<AgentRuntime> {
    const row = await db.runtimes.findById(id);
    if (!row) {
      throw new Error(`runtime ${id} is gone`);
    }
    return row;
  }

  /** The id of response element `index`. */
  function idAt(response: RegisterResponse, index: number): string {
    const runtime = response.runtimes[index];
    if (!runtime) {
      throw new Error(`the response has no runtime ${index}`);
    }
    return runtime.id;
  }

  /** Inserts a hostname-era built-in row (optionally with a chosen id). */
  async function insertLegacyRow(
    workspaceId: string,
    daemonId: string,
    opts: { provider?: string; id?: string } = {},
  ): Promise<string> {
    const [row] = await database.dataSource.query<{ id: string }[]>(
      `INSERT INTO agent_runtime (id, workspace_id, daemon_id, name, runtime_mode, provider, status)
       VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $3, 'legacy runtime', 'local', $4, 'offline')
       RETURNING id`,
      [opts.id ?? null, workspaceId, daemonId, opts.provider ?? 'claude'],
    );
    if (!row) {
      throw new Error('no legacy row inserted');
    }
    return row.id;
  }

  /** Sets the row's `last_seen_at` and `updated_at` an hour back; returns that instant. */
  async function backdate(runtimeId: string): Promise<Date> {
    const [row] = await sqlRows<{ at: Date }>(
      database.dataSource.manager,
      `UPDATE agent_runtime SET last_seen_at = now() - interval '1 hour',
                                updated_at = now() - interval '1 hour'
       WHERE id = $1 RETURNING last_seen_at AS at`,
      [runtimeId],
    );
    if (!row) {
      throw new Error(`runtime ${runtimeId} not found`);
    }
    return row.at;
  }

  describe('register', () => {
    describe('built-in entries (upstream daemon-token semantics)', () => {
      it('creates a row with the derived provider, name, device info, status and metadata', async () => {
        const workspace = await insertWorkspace(db);
        const payload = buildPayload(workspace.id, {
          deviceName: 'devbox',
          cliVersion: '1.4.2',
          launchedBy: 'desktop',
          runtimes: [builtIn('  claude  ', { name: '', version: '2.1.0', status: 'online' })],
        });

        const response = await register(payload);

        const row = await rowOf(idAt(response, 0));
        expect(row).toMatchObject({
          workspaceId: workspace.id,
          daemonId: payload.daemonId,
          provider: 'claude',
          name: 'claude (devbox)',
          deviceInfo: 'devbox · 2.1.0',
          status: 'online',
          metadata: { version: '2.1.0', cli_version: '1.4.2', launched_by: 'desktop' },
          runtimeMode: 'local',
          ownerId: null,
          profileId: null,
          visibility: 'private',
          legacyDaemonId: null,
        });
        expect(row.lastSeenAt).toBeInstanceOf(Date);
        expect(response.runtimes[0]).toMatchObject({
          id: row.id,
          provider: 'claude',
          launch_header: 'claude (stream-json)',
          profile_id: null,
          owner_id: null,
        });
      });

      it('falls back to provider unknown, and to the bare provider as name without a device', async () => {
        const workspace = await insertWorkspace(db);
        const payload = buildPayload(workspace.id, {
          deviceName: '',
          runtimes: [builtIn('   ', { name: '  ', version: '3.0.0' })],
        });

        const response = await register(payload);

        expect(await rowOf(idAt(response, 0))).toMatchObject({
          provider: 'unknown',
          name: 'unknown',
          deviceInfo: '3.0.0',
        });
        expect(response.runtimes[0]?.launch_header).toBe('');
      });

      it('keeps a sent name (trimmed) and uses the device name alone without a version', async () => {
        const workspace = await insertWorkspace(db);
        const payload = buildPayload(workspace.id, {
          deviceName: 'laptop',
          runtimes: [builtIn('gemini', { name: '  My Gemini ', version: '' })],
        });

        const response = await register(payload);

        expect(await rowOf(idAt(response, 0))).toMatchObject({
          name: 'My Gemini',
          deviceInfo: 'laptop',
          metadata: { version: '', cli_version: '1.4.2', launched_by: 'desktop' },
        });
      });

      it('marks a row offline only for exactly "offline"', async () => {
        const workspace = await insertWorkspace(db);
        const payload = buildPayload(workspace.id, {
          runtimes: [
            builtIn('claude', { status: 'offline' }),
            builtIn('codex', { status: 'Offline' }),
            builtIn('gemini', { status: '' }),
            builtIn('kimi', { status: 'busy' }),
          ],
        });

        const response = await register(payload);

        expect(response.runtimes.map((r) => [r.provider, r.status])).toEqual([
          ['claude', 'offline'],
          ['codex', 'online'],
          ['gemini', 'online'],
          ['kimi', 'online'],
        ]);
      });

      it('does not check a built-in type against the protocol-family whitelist', async () => {
        const workspace = await insertWorkspace(db);
        const type = `homegrown-${uniqueSuffix()}`;

        const response = await register(buildPayload(workspace.id, { runtimes: [builtIn(type)] }));

        expect(await rowOf(idAt(response, 0))).toMatchObject({ provider: type });
      });

      it('sets the owner from the payload, and a null owner keeps the existing one', async () => {
        const workspace = await insertWorkspace(db);
        const [owner, other] = [await insertUser(db), await insertUser(db)];
        const payload = buildPayload(workspace.id, { ownerId: owner.id });

        const first = await register(payload);
        const second = await register({ ...payload, ownerId: null });
        const afterNull = await rowOf(idAt(second, 0));
        const third = await register({ ...payload, ownerId: other.id });

        expect(first.runtimes[0]?.owner_id).toBe(owner.id);
        expect(idAt(second, 0)).toBe(idAt(first, 0));
        expect(afterNull.ownerId).toBe(owner.id);
        expect(second.runtimes[0]?.owner_id).toBe(owner.id);
        expect((await rowOf(idAt(third, 0))).ownerId).toBe(other.id);
      });
    });

    describe('built-in and custom rows', () => {
      it('keeps a built-in and a custom codex apart on one daemon', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id, { protocolFamily: 'codex' });
        const payload = buildPayload(workspace.id, {
          runtimes: [builtIn('codex'), custom(profile.id)],
        });

        const response = await register(payload);

        const rows = await rowsOf(workspace.id, payload.daemonId);
        expect(rows).toHaveLength(2);
        expect(rows.map((r) => r.provider)).toEqual(['codex', 'codex']);
        expect(rows.map((r) => r.profileId).sort()).toEqual([profile.id, null].sort());
        expect(response.runtimes.map((r) => r.profile_id)).toEqual([null, profile.id]);
        expect(idAt(response, 0)).not.toBe(idAt(response, 1));
      });

      it('keeps the ids of both kinds on re-registration and bumps last_seen_at and updated_at', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        const payload = buildPayload(workspace.id, {
          runtimes: [builtIn('codex'), custom(profile.id)],
        });
        const first = await register(payload);
        const before = await Promise.all([rowOf(idAt(first, 0)), rowOf(idAt(first, 1))]);
        const backdated = await Promise.all(before.map((row) => backdate(row.id)));

        const second = await register({
          ...payload,
          runtimes: [
            builtIn('codex', { name: 'renamed' }),
            custom(profile.id, { status: 'offline' }),
          ],
        });

        expect(second.runtimes.map((r) => r.id)).toEqual(first.runtimes.map((r) => r.id));
        const after = await Promise.all(before.map((row) => rowOf(row.id)));
        after.forEach((row, i) => {
          const old = backdated[i] ?? new Date();
          expect(row.lastSeenAt?.getTime()).toBeGreaterThan(old.getTime());
          expect(row.updatedAt.getTime()).toBeGreaterThan(old.getTime());
          expect(row.createdAt).toEqual(before[i]?.createdAt);
        });
        expect(after.map((r) => [r.name, r.status])).toEqual([
          ['renamed', 'online'],
          ['Company Codex', 'offline'],
        ]);
        expect(await countRows(workspace.id)).toBe(2);
      });

      it('takes a custom row provider from the profile, not from the sent type', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id, { protocolFamily: 'codex' });
        const payload = buildPayload(workspace.id, {
          deviceName: 'devbox',
          runtimes: [custom(profile.id, { type: 'claude', name: '' })],
        });

        const response = await register(payload);

        expect(await rowOf(idAt(response, 0))).toMatchObject({
          provider: 'codex',
          name: 'claude (devbox)',
          profileId: profile.id,
        });
        expect(response.runtimes[0]?.launch_header).toBe('codex app-server');
      });

      it('refreshes a custom row provider from the profile on re-registration', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id, { protocolFamily: 'codex' });
        const payload = buildPayload(workspace.id, { runtimes: [custom(profile.id)] });
        const first = await register(payload);
        await database.dataSource.query(
          `UPDATE runtime_profile SET protocol_family = 'claude' WHERE id = $1`,
          [profile.id],
        );

        const second = await register(payload);

        expect(idAt(second, 0)).toBe(idAt(first, 0));
        expect(await rowOf(idAt(first, 0))).toMatchObject({ provider: 'claude' });
        expect(second.runtimes[0]?.provider).toBe('claude');
      });

      it('creates one row per daemon for the same profile on two daemons', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);

        const one = await register(buildPayload(workspace.id, { runtimes: [custom(profile.id)] }));
        const two = await register(buildPayload(workspace.id, { runtimes: [custom(profile.id)] }));

        expect(idAt(one, 0)).not.toBe(idAt(two, 0));
        expect(await countRows(workspace.id)).toBe(2);
      });

      it('writes one row for the same profile listed twice, answering its id twice', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        const payload = buildPayload(workspace.id, {
          runtimes: [custom(profile.id), builtIn('claude'), custom(profile.id)],
        });

        const response = await register(payload);

        expect(response.runtimes).toHaveLength(3);
        expect(idAt(response, 0)).toBe(idAt(response, 2));
        expect(await countRows(workspace.id)).toBe(2);
      });
    });

    describe('refusals', () => {
      it('refuses an unknown profile with upstream sentence, writing nothing', async () => {
        const workspace = await insertWorkspace(db);
        const profileId = randomUUID();
        const payload = buildPayload(workspace.id, {
          runtimes: [builtIn('claude'), custom(profileId)],
        });

        const err = await rejectionOf(makeHarness().sut.register(payload));

        expectAppError(err, 'UNKNOWN_PROFILE', MESSAGES.unknownProfile(profileId));
        expect(err).toHaveProperty('message', `unknown runtime profile: ${profileId}`);
        expect(await countRows(workspace.id)).toBe(0);
      });

      it("refuses another workspace's profile as unknown", async () => {
        const [workspace, other] = [await insertWorkspace(db), await insertWorkspace(db)];
        const foreign = await insertRuntimeProfile(db, other.id);
        const payload = buildPayload(workspace.id, { runtimes: [custom(foreign.id)] });

        const err = await rejectionOf(makeHarness().sut.register(payload));

        expectAppError(err, 'UNKNOWN_PROFILE', MESSAGES.unknownProfile(foreign.id));
        expect(await countRows(workspace.id)).toBe(0);
        expect(await countRows(other.id)).toBe(0);
      });

      it('refuses a disabled profile', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id, { enabled: false });
        const payload = buildPayload(workspace.id, { runtimes: [custom(profile.id)] });

        const err = await rejectionOf(makeHarness().sut.register(payload));

        expectAppError(err, 'PROFILE_DISABLED', MESSAGES.profileDisabled(profile.id));
        expect(err).toHaveProperty('message', `runtime profile is disabled: ${profile.id}`);
        expect(await countRows(workspace.id)).toBe(0);
      });

      it('refuses a profile whose deletion was requested', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        await database.dataSource.query(
          `UPDATE runtime_profile SET deletion_requested_at = now() WHERE id = $1`,
          [profile.id],
        );
        const payload = buildPayload(workspace.id, { runtimes: [custom(profile.id)] });

        const err = await rejectionOf(makeHarness().sut.register(payload));

        expectAppError(err, 'PROFILE_DELETING', MESSAGES.profileDeleting(profile.id));
        expect(await countRows(workspace.id)).toBe(0);
      });

      it('refuses a missing workspace', async () => {
        const payload = buildPayload(randomUUID());

        const err = await rejectionOf(makeHarness().sut.register(payload));

        expectAppError(err, 'WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound);
        expect(await countRows(payload.workspaceId)).toBe(0);
      });

      it('reports the first refused entry in request order', async () => {
        const workspace = await insertWorkspace(db);
        const disabled = await insertRuntimeProfile(db, workspace.id, { enabled: false });
        const unknownId = randomUUID();
        const payload = buildPayload(workspace.id, {
          runtimes: [custom(disabled.id), custom(unknownId)],
        });

        const err = await rejectionOf(makeHarness().sut.register(payload));

        expectAppError(err, 'PROFILE_DISABLED', MESSAGES.profileDisabled(disabled.id));
      });

      it('writes none of the built-in rows of a registration whose custom entry fails', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        const good = buildPayload(workspace.id, {
          runtimes: [builtIn('claude'), builtIn('gemini'), custom(profile.id)],
        });
        const written = await register(good);
        const fresh = buildPayload(workspace.id, {
          runtimes: [builtIn('claude'), builtIn('gemini'), custom(randomUUID())],
        });
        const before = await countRows(workspace.id);

        const errs = await Promise.all([
          rejectionOf(makeHarness().sut.register(fresh)),
          rejectionOf(
            makeHarness().sut.register({
              ...good,
              runtimes: [builtIn('claude', { name: 'changed' }), custom(randomUUID())],
            }),
          ),
        ]);

        errs.forEach((err) => expect(err).toMatchObject({ code: 'UNKNOWN_PROFILE' }));
        expect(await countRows(workspace.id)).toBe(before);
        expect(await rowsOf(workspace.id, fresh.daemonId)).toEqual([]);
        expect((await rowOf(idAt(written, 0))).name).toBe('claude runtime');
      });
    });

    describe('response', () => {
      it('lists the runtimes in request order', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        const payload = buildPayload(workspace.id, {
          runtimes: [builtIn('kimi'), custom(profile.id), builtIn('claude'), builtIn('codex')],
        });

        const response = await register(payload);

        expect(response.runtimes.map((r) => [r.provider, r.profile_id])).toEqual([
          ['kimi', null],
          ['codex', profile.id],
          ['claude', null],
          ['codex', null],
        ]);
      });

      it('answers the workspace repos cleaned up, their version and the settings', async () => {
        const workspace = await insertWorkspace(db);
        const settings = { theme: 'dark', limits: { agents: 3 } };
        await database.dataSource.query(
          `UPDATE workspace SET repos = $2::jsonb, settings = $3::jsonb WHERE id = $1`,
          [
            workspace.id,
            JSON.stringify([
              { url: '  https://example.test/zeta.git ', description: 'zeta' },
              { url: 'https://example.test/alpha.git', description: 'alpha' },
              { url: '', description: 'empty' },
              { url: '   ', description: 'blank' },
              { url: 'https://example.test/zeta.git', description: 'duplicate' },
            ]),
            JSON.stringify(settings),
          ],
        );

        const response = await register(buildPayload(workspace.id));

        expect(response.repos).toEqual([
          { url: 'https://example.test/zeta.git', description: 'zeta' },
          { url: 'https://example.test/alpha.git', description: 'alpha' },
        ]);
        expect(response.repos_version).toBe(
          sha256('https://example.test/alpha.git\nhttps://example.test/zeta.git'),
        );
        expect(response.settings).toEqual(settings);
      });

      it('answers no repos, the hash of nothing and empty settings for a fresh workspace', async () => {
        const workspace = await insertWorkspace(db);

        const response = await register(buildPayload(workspace.id));

        expect(response).toMatchObject({ repos: [], repos_version: sha256(''), settings: {} });
      });
    });

    describe('legacy hostname merge', () => {
      it('merges the hostname-era row, moving its agent and task (MergesLegacyDaemonIDRuntime)', async () => {
        const workspace = await insertWorkspace(db);
        const legacyId = `Host-${uniqueSuffix()}.local`;
        const oldId = await insertLegacyRow(workspace.id, legacyId, { provider: 'claude' });
        const agent = await insertAgent(db, workspace.id, oldId);
        const task = await insertTask(db, { agentId: agent.id, runtimeId: oldId });

        const response = await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [legacyId],
            runtimes: [builtIn('claude')],
          }),
        );

        const newId = idAt(response, 0);
        expect(newId).not.toBe(oldId);
        expect(await db.runtimes.findById(oldId)).toBeNull();
        expect((await db.agents.findById(agent.id))?.runtimeId).toBe(newId);
        const [taskRow] = await database.dataSource.query<{ runtime_id: string }[]>(
          `SELECT runtime_id FROM agent_task_queue WHERE id = $1`,
          [task.id],
        );
        expect(taskRow?.runtime_id).toBe(newId);
        expect((await rowOf(newId)).legacyDaemonId).toBe(legacyId);
      });

      it('merges a row stored without .local when the daemon sends both variants (_ReverseDotLocal)', async () => {
        const workspace = await insertWorkspace(db);
        const bare = `ReverseHost-${uniqueSuffix()}`;
        const oldId = await insertLegacyRow(workspace.id, bare);

        const response = await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [`${bare}.local`, bare],
            runtimes: [builtIn('claude')],
          }),
        );

        expect(await db.runtimes.findById(oldId)).toBeNull();
        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBe(bare);
      });

      it('matches legacy ids exactly, without adding or removing .local itself', async () => {
        const workspace = await insertWorkspace(db);
        const bare = `DotHost-${uniqueSuffix()}`;
        const oldId = await insertLegacyRow(workspace.id, `${bare}.local`);

        const response = await register(
          buildPayload(workspace.id, { legacyDaemonIds: [bare], runtimes: [builtIn('claude')] }),
        );

        expect(await db.runtimes.findById(oldId)).not.toBeNull();
        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBeNull();
      });

      it('merges despite case drift, recording the id as sent (_CaseDrift)', async () => {
        const workspace = await insertWorkspace(db);
        const suffix = uniqueSuffix();
        const oldId = await insertLegacyRow(workspace.id, `MyHost-${suffix}.local`);
        const emitted = `myhost-${suffix}.local`;

        const response = await register(
          buildPayload(workspace.id, { legacyDaemonIds: [emitted], runtimes: [builtIn('claude')] }),
        );

        expect(await db.runtimes.findById(oldId)).toBeNull();
        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBe(emitted);
      });

      it('merges every case duplicate of a legacy id (MergesAllCaseDuplicateLegacyRuntimes)', async () => {
        const workspace = await insertWorkspace(db);
        const suffix = uniqueSuffix();
        const upperId = await insertLegacyRow(workspace.id, `DupHost-${suffix}.local`);
        const lowerId = await insertLegacyRow(workspace.id, `duphost-${suffix}.local`);
        const upperAgent = await insertAgent(db, workspace.id, upperId);
        const lowerAgent = await insertAgent(db, workspace.id, lowerId);

        const response = await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [`duphost-${suffix}.local`],
            runtimes: [builtIn('claude')],
          }),
        );

        const newId = idAt(response, 0);
        expect(await db.runtimes.findById(upperId)).toBeNull();
        expect(await db.runtimes.findById(lowerId)).toBeNull();
        expect((await db.agents.findById(upperAgent.id))?.runtimeId).toBe(newId);
        expect((await db.agents.findById(lowerAgent.id))?.runtimeId).toBe(newId);
        expect(await countRows(workspace.id)).toBe(1);
      });

      it('does nothing when no row matches (LegacyIDNoMatchIsNoop)', async () => {
        const workspace = await insertWorkspace(db);
        const unrelated = await insertRuntime(db, workspace.id, { provider: 'claude' });
        const host = `NeverSeenHost-${uniqueSuffix()}`;

        const response = await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [host, `${host}.local`, '  '],
            runtimes: [builtIn('claude')],
          }),
        );

        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBeNull();
        expect(await rowOf(unrelated.id)).toMatchObject({
          daemonId: unrelated.daemonId,
          legacyDaemonId: null,
          updatedAt: unrelated.updatedAt,
        });
        expect(await countRows(workspace.id)).toBe(2);
      });

      it('never folds a custom row, even one whose daemon id is the legacy id', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id, { protocolFamily: 'codex' });
        const legacyId = `Host-${uniqueSuffix()}`;
        const customRow = await insertRuntime(db, workspace.id, {
          daemonId: legacyId,
          provider: 'codex',
          profileId: profile.id,
        });

        const response = await register(
          buildPayload(workspace.id, { legacyDaemonIds: [legacyId], runtimes: [builtIn('codex')] }),
        );

        expect(await rowOf(customRow.id)).toMatchObject({ profileId: profile.id });
        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBeNull();
      });

      it('runs no merge for a custom registration', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id, { protocolFamily: 'codex' });
        const legacyId = `Host-${uniqueSuffix()}`;
        const oldId = await insertLegacyRow(workspace.id, legacyId, { provider: 'codex' });

        const response = await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [legacyId],
            runtimes: [custom(profile.id)],
          }),
        );

        expect(await db.runtimes.findById(oldId)).not.toBeNull();
        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBeNull();
      });

      it('does not merge a row of another provider', async () => {
        const workspace = await insertWorkspace(db);
        const legacyId = `Host-${uniqueSuffix()}`;
        const geminiId = await insertLegacyRow(workspace.id, legacyId, { provider: 'gemini' });
        const claudeId = await insertLegacyRow(workspace.id, legacyId, { provider: 'claude' });

        const response = await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [legacyId],
            runtimes: [builtIn('claude')],
          }),
        );

        expect(await db.runtimes.findById(geminiId)).not.toBeNull();
        expect(await db.runtimes.findById(claudeId)).toBeNull();
        expect((await rowOf(idAt(response, 0))).legacyDaemonId).toBe(legacyId);
      });

      it('does not merge a row of another workspace', async () => {
        const [workspace, other] = [await insertWorkspace(db), await insertWorkspace(db)];
        const legacyId = `Host-${uniqueSuffix()}`;
        const foreignId = await insertLegacyRow(other.id, legacyId);

        await register(
          buildPayload(workspace.id, {
            legacyDaemonIds: [legacyId],
            runtimes: [builtIn('claude')],
          }),
        );

        expect(await db.runtimes.findById(foreignId)).not.toBeNull();
      });

      it('records only the first legacy id merged, in request order', async () => {
        const workspace = await insertWorkspace(db);
        const suffix = uniqueSuffix();
        const [firstId, secondId, laterId] = [
          `first-${suffix}`,
          `second-${suffix}`,
          `later-${suffix}`,
        ];
        // The row of the first legacy id gets the larger uuid, so id order cannot stand in for
        // request order.
        const [low, high] = [randomUUID(), randomUUID()].sort();
        const firstRow = await insertLegacyRow(workspace.id, firstId, { id: high });
        const secondRow = await insertLegacyRow(workspace.id, secondId, { id: low });
        const payload = buildPayload(workspace.id, {
          legacyDaemonIds: [firstId, secondId],
          runtimes: [builtIn('claude')],
        });

        const response = await register(payload);
        const laterRow = await insertLegacyRow(workspace.id, laterId);
        await register({ ...payload, legacyDaemonIds: [laterId] });

        const newId = idAt(response, 0);
        for (const old of [firstRow, secondRow, laterRow]) {
          expect(await db.runtimes.findById(old)).toBeNull();
        }
        expect((await rowOf(newId)).legacyDaemonId).toBe(firstId);
        expect(await countRows(workspace.id)).toBe(1);
      });
    });

    describe('micro-batching', () => {
      it('commits exactly the good registrations of a batch and refuses each bad one alone', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        const disabled = await insertRuntimeProfile(db, workspace.id, { enabled: false });
        const payloads = Array.from({ length: 20 }, (_, i) => {
          const kind = i % 4;
          const entries =
            kind === 1
              ? [builtIn('claude'), custom(randomUUID())]
              : kind === 3
                ? [builtIn('claude'), custom(disabled.id)]
                : [builtIn('claude'), builtIn('gemini'), custom(profile.id)];
          return buildPayload(workspace.id, { runtimes: entries });
        });
        const harness = makeHarness({ maxBatchSize: 64 });

        const outcomes = await Promise.allSettled(payloads.map((p) => harness.sut.register(p)));

        for (const [i, outcome] of outcomes.entries()) {
          const payload = payloads[i];
          if (!payload) {
            throw new Error(`no payload ${i}`);
          }
          const rows = await rowsOf(workspace.id, payload.daemonId);
          if (i % 4 === 1) {
            const profileId = payload.runtimes[1]?.profileId ?? '';
            expect(outcome).toMatchObject({
              status: 'rejected',
              reason: { code: 'UNKNOWN_PROFILE', message: MESSAGES.unknownProfile(profileId) },
            });
            expect(rows).toHaveLength(0);
          } else if (i % 4 === 3) {
            expect(outcome).toMatchObject({
              status: 'rejected',
              reason: { code: 'PROFILE_DISABLED', message: MESSAGES.profileDisabled(disabled.id) },
            });
            expect(rows).toHaveLength(0);
          } else {
            expect(outcome).toMatchObject({ status: 'fulfilled' });
            expect(rows).toHaveLength(3);
          }
        }
        expect(await countRows(workspace.id)).toBe(10 * 3);
        const committed = outcomes.flatMap((outcome, i) => {
          const payload = payloads[i];
          return outcome.status === 'fulfilled' && payload
            ? [
                {
                  daemon_id: payload.daemonId,
                  runtime_ids: outcome.value.runtimes.map((r) => r.id),
                },
              ]
            : [];
        });
        expect(await registeredEvents(workspace.id)).toEqual(committed.sort(byDaemonId));
        expect(await registeredDaemons(workspace.id)).toEqual(
          payloads
            .filter((_, i) => i % 2 === 0)
            .map((p) => p.daemonId)
            .sort(),
        );
        expect(harness.kicks()).toBe(1);
        expect(harness.transactions()).toBeLessThan(20);
        expect(harness.transactions()).toBe(1);
      });

      it('answers one row id to two registrations of one key in the same batch', async () => {
        const workspace = await insertWorkspace(db);
        const harness = makeHarness();
        const payload = buildPayload(workspace.id, { runtimes: [builtIn('claude')] });

        const [one, two] = await Promise.all([
          harness.sut.register(payload),
          harness.sut.register({
            ...payload,
            runtimes: [builtIn('claude', { status: 'offline' })],
          }),
        ]);

        expect(idAt(one, 0)).toBe(idAt(two, 0));
        expect(await rowsOf(workspace.id, payload.daemonId)).toHaveLength(1);
        expect(harness.transactions()).toBe(1);
        expect(await registeredEvents(workspace.id)).toEqual([
          { daemon_id: payload.daemonId, runtime_ids: [idAt(one, 0)] },
          { daemon_id: payload.daemonId, runtime_ids: [idAt(one, 0)] },
        ]);
      });

      it('keeps the owner of an earlier registration of the same key in a batch', async () => {
        const workspace = await insertWorkspace(db);
        const owner = await insertUser(db);
        const harness = makeHarness();
        const payload = buildPayload(workspace.id, { runtimes: [builtIn('claude')] });

        const [one, two] = await Promise.all([
          harness.sut.register({ ...payload, ownerId: owner.id }),
          harness.sut.register({ ...payload, ownerId: null }),
        ]);

        expect(harness.transactions()).toBe(1);
        expect(idAt(one, 0)).toBe(idAt(two, 0));
        expect((await rowOf(idAt(one, 0))).ownerId).toBe(owner.id);
        expect(two.runtimes[0]?.owner_id).toBe(owner.id);
      });

      it('writes exactly one row per key for 200 concurrent registrations of 50 daemons', async () => {
        const workspace = await insertWorkspace(db);
        const profile = await insertRuntimeProfile(db, workspace.id);
        const daemons = Array.from({ length: 50 }, () =>
          buildPayload(workspace.id, {
            runtimes: [builtIn('claude'), builtIn('codex'), custom(profile.id)],
          }),
        );
        const payloads = [...daemons, ...daemons, ...daemons, ...daemons];
        const harness = makeHarness({ maxBatchSize: 16, maxConcurrentFlushes: 4 });

        const outcomes = await Promise.allSettled(payloads.map((p) => harness.sut.register(p)));

        expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
        expect(await countRows(workspace.id)).toBe(150);
        for (const daemon of daemons) {
          expect(await rowsOf(workspace.id, daemon.daemonId)).toHaveLength(3);
        }
        const ids = new Set(
          outcomes.flatMap((o) =>
            o.status === 'fulfilled' ? o.value.runtimes.map((r) => r.id) : [],
          ),
        );
        expect(ids.size).toBe(150);
        expect(await registeredEvents(workspace.id)).toHaveLength(200);
      });

      it('retries the registrations of a failed batch one by one', async () => {
        const workspace = await insertWorkspace(db);
        const harness = makeHarness({ failTransactions: [1] });
        const payloads = Array.from({ length: 5 }, () => buildPayload(workspace.id));

        const responses = await Promise.all(payloads.map((p) => harness.sut.register(p)));

        expect(responses.map((r) => r.runtimes)).toHaveLength(5);
        expect(await countRows(workspace.id)).toBe(5);
        expect(harness.transactions()).toBe(1 + 5);
        expect(await registeredDaemons(workspace.id)).toEqual(
          payloads.map((p) => p.daemonId).sort(),
        );
      });

      it('rejects a lone registration whose transaction fails, so that its job is retried', async () => {
        const workspace = await insertWorkspace(db);
        const harness = makeHarness({ failTransactions: [1] });
        const payload = buildPayload(workspace.id);

        const err = await rejectionOf(harness.sut.register(payload));

        expect(err).toMatchObject({ code: '40P01' });
        expect(harness.transactions()).toBe(1);
        expect(await registeredEvents(workspace.id)).toEqual([]);
        expect(harness.kicks()).toBe(0);
        expect(await harness.sut.register(payload)).toMatchObject({
          runtimes: [{ provider: 'codex' }],
        });
      });

      it('fails only the registration whose write fails, its neighbours commit', async () => {
        const workspace = await insertWorkspace(db);
        const harness = makeHarness();
        const good = Array.from({ length: 4 }, () => buildPayload(workspace.id));
        // owner_id references "user": an unknown owner fails only when the row is written.
        const bad = buildPayload(workspace.id, { ownerId: randomUUID() });
        const payloads = [good[0], good[1], bad, good[2], good[3]].flatMap((p) => (p ? [p] : []));

        const outcomes = await Promise.allSettled(payloads.map((p) => harness.sut.register(p)));

        const failure = outcomes[2];
        expect(failure?.status).toBe('rejected');
        expect(pgErrorOf(failure?.status === 'rejected' ? failure.reason : undefined)?.code).toBe(
          '23503',
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
        expect(await rowsOf(workspace.id, bad.daemonId)).toEqual([]);
        expect(await countRows(workspace.id)).toBe(4);
        expect(harness.transactions()).toBe(1 + 5);
        expect(await registeredDaemons(workspace.id)).toEqual(good.map((p) => p.daemonId).sort());
      });

      it('records one runtime.registered event per committed registration, by the daemon, and kicks the relay', async () => {
        const workspace = await insertWorkspace(db);
        const harness = makeHarness();
        const payload = buildPayload(workspace.id, {
          runtimes: [builtIn('claude'), builtIn('codex')],
        });

        const response = await harness.sut.register(payload);

        expect(await db.outbox.listForWorkspace(workspace.id)).toEqual([
          {
            id: expect.any(String) as unknown,
            type: 'runtime.registered',
            workspace_id: workspace.id,
            actor: { type: 'daemon', id: payload.daemonId },
            data: { daemon_id: payload.daemonId, runtime_ids: response.runtimes.map((r) => r.id) },
            occurred_at: expect.any(String) as unknown,
            published: false,
          },
        ]);
        expect(harness.kicks()).toBe(1);
      });

      it('records a registration with an owner as done by that member', async () => {
        const workspace = await insertWorkspace(db);
        const owner = await insertUser(db);
        const harness = makeHarness();
        const payload = buildPayload(workspace.id, { ownerId: owner.id });

        const response = await harness.sut.register(payload);

        expect(await db.outbox.listForWorkspace(workspace.id)).toEqual([
          expect.objectContaining({
            type: 'runtime.registered',
            actor: { type: 'member', id: owner.id },
            data: { daemon_id: payload.daemonId, runtime_ids: [idAt(response, 0)] },
          }),
        ]);
      });

      it('records no event for a refused registration', async () => {
        const workspace = await insertWorkspace(db);
        const harness = makeHarness();
        const payload = buildPayload(workspace.id, { runtimes: [custom(randomUUID())] });

        const err = await rejectionOf(harness.sut.register(payload));

        expect(err).toMatchObject({ code: 'UNKNOWN_PROFILE' });
        expect(await db.outbox.listForWorkspace(workspace.id)).toEqual([]);
        expect(harness.kicks()).toBe(0);
      });
    });
  });
});

/** Orders event data by daemon id (for comparing sets). */
function byDaemonId(a: { daemon_id: string }, b: { daemon_id: string }): number {
  return a.daemon_id < b.daemon_id ? -1 : a.daemon_id > b.daemon_id ? 1 : 0;
}
