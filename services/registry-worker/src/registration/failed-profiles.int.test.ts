import { randomUUID } from 'node:crypto';
import {
  AppError,
  type FailedProfilePayload,
  MESSAGES,
  type RegisterEntryPayload,
  RegisterResponse,
  RuntimeRegisterPayload,
} from '@cp/contracts';
import type { AgentRuntime, Db } from '@cp/db';
import { createLogger } from '@cp/platform';
import {
  createTestDatabase,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import { z } from 'zod';
import { makeRegistrar, type Registrar } from './registrar';

const log = createLogger('failed-profiles-test', 'silent');

/** A payload for `workspaceId` on a fresh daemon, with no runtimes unless given. */
function buildPayload(
  workspaceId: string,
  over: Partial<RuntimeRegisterPayload> = {},
): RuntimeRegisterPayload {
  return RuntimeRegisterPayload.parse({
    workspaceId,
    daemonId: randomUUID(),
    legacyDaemonIds: [],
    deviceName: 'buildhost',
    cliVersion: '2.0.0',
    launchedBy: 'cli',
    runtimes: [],
    ownerId: null,
    ...over,
  });
}

const builtIn = (type: string): RegisterEntryPayload => ({
  name: '',
  type,
  version: '1.0.0',
  status: 'online',
  profileId: null,
});

const custom = (profileId: string): RegisterEntryPayload => ({
  name: 'Company Codex',
  type: 'codex',
  version: '9.9.9',
  status: 'online',
  profileId,
});

const failure = (profileId: string, over: Partial<FailedProfilePayload> = {}) => ({
  profileId,
  commandName: 'company-codex',
  reason: 'command not found on PATH: company-codex',
  ...over,
});

const RegisteredData = z.object({ daemon_id: z.string(), runtime_ids: z.array(z.string()) });

describe(`${makeRegistrar.name} with failed profiles`, () => {
  let database: TestDatabase;
  let db: Db;
  let sut: Registrar;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    sut = makeRegistrar(
      { db, log, relay: { kick: () => undefined } },
      { maxBatchSize: 16, maxConcurrentFlushes: 2 },
    );
  });

  afterAll(async () => {
    await database?.drop();
  });

  const rowsOf = async (workspaceId: string): Promise<AgentRuntime[]> =>
    db.runtimes.listInWorkspace(workspaceId);

  async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
    try {
      await work;
    } catch (err) {
      return err;
    }
    throw new Error('expected a rejection');
  }

  it('records a failed profile as an offline row of that profile, with the reason in its metadata', async () => {
    const workspace = await insertWorkspace(db);
    const profile = await insertRuntimeProfile(db, workspace.id, {
      displayName: 'Company Codex',
      protocolFamily: 'codex',
      commandName: 'company-codex',
    });
    const payload = buildPayload(workspace.id, {
      runtimes: [builtIn('claude')],
      failedProfiles: [failure(profile.id)],
    });

    const response = RegisterResponse.parse(await sut.register(payload));

    expect(response.runtimes.map((r) => r.provider)).toEqual(['claude']);
    const failed = (await rowsOf(workspace.id)).find((row) => row.profileId === profile.id);
    expect(failed).toMatchObject({
      daemonId: payload.daemonId,
      name: 'Company Codex (buildhost)',
      provider: 'codex',
      status: 'offline',
      deviceInfo: 'buildhost',
      metadata: {
        version: '',
        cli_version: '2.0.0',
        launched_by: 'cli',
        runtime_profile_registration_error: true,
        runtime_profile_failure_reason: 'command not found on PATH: company-codex',
        command_name: 'company-codex',
      },
    });
    const events = await db.outbox.listForWorkspace(workspace.id);
    expect(events.map((e) => RegisteredData.parse(e.data).runtime_ids)).toEqual([
      [response.runtimes[0]?.id, failed?.id],
    ]);
  });

  it('accepts a registration made only of failed profiles, answering no runtimes', async () => {
    const workspace = await insertWorkspace(db);
    const profile = await insertRuntimeProfile(db, workspace.id, { commandName: 'wrapped-cx' });

    const response = await sut.register(
      buildPayload(workspace.id, { failedProfiles: [failure(profile.id, { commandName: '' })] }),
    );

    expect(response.runtimes).toEqual([]);
    const rows = await rowsOf(workspace.id);
    expect(rows).toHaveLength(1);
    // No command sent: the profile's own is recorded.
    expect(rows[0]?.metadata).toMatchObject({ command_name: 'wrapped-cx' });
  });

  it('turns the failed row online again once the daemon resolves the command, on the same row', async () => {
    const workspace = await insertWorkspace(db);
    const profile = await insertRuntimeProfile(db, workspace.id);
    const daemonId = randomUUID();
    await sut.register(
      buildPayload(workspace.id, { daemonId, failedProfiles: [failure(profile.id)] }),
    );
    const [failedRow] = await rowsOf(workspace.id);

    const response = await sut.register(
      buildPayload(workspace.id, { daemonId, runtimes: [custom(profile.id)] }),
    );

    expect(response.runtimes[0]?.id).toBe(failedRow?.id);
    const [row] = await rowsOf(workspace.id);
    expect(row).toMatchObject({ status: 'online', profileId: profile.id });
    expect(row?.metadata).not.toHaveProperty('runtime_profile_registration_error');
  });

  it('marks a running profile instance offline when the daemon later reports it failed', async () => {
    const workspace = await insertWorkspace(db);
    const profile = await insertRuntimeProfile(db, workspace.id);
    const daemonId = randomUUID();
    const first = await sut.register(
      buildPayload(workspace.id, { daemonId, runtimes: [custom(profile.id)] }),
    );

    await sut.register(
      buildPayload(workspace.id, { daemonId, failedProfiles: [failure(profile.id)] }),
    );

    const [row] = await rowsOf(workspace.id);
    expect(row?.id).toBe(first.runtimes[0]?.id);
    expect(row).toMatchObject({
      status: 'offline',
      metadata: { runtime_profile_registration_error: true },
    });
  });

  describe('a failed profile that cannot be recorded is skipped, as upstream HEAD does', () => {
    it('skips an unknown failed profile and registers the rest', async () => {
      const workspace = await insertWorkspace(db);

      const response = await sut.register(
        buildPayload(workspace.id, {
          runtimes: [builtIn('claude')],
          failedProfiles: [failure(randomUUID())],
        }),
      );

      const rows = await rowsOf(workspace.id);
      expect(rows.map((r) => [r.provider, r.profileId, r.status])).toEqual([
        ['claude', null, 'online'],
      ]);
      expect(RegisterResponse.parse(response).runtimes.map((r) => r.id)).toEqual([rows[0]?.id]);
    });

    it("skips another workspace's profile, writing nothing in either workspace", async () => {
      const workspace = await insertWorkspace(db);
      const other = await insertWorkspace(db);
      const foreign = await insertRuntimeProfile(db, other.id);

      const response = await sut.register(
        buildPayload(workspace.id, { failedProfiles: [failure(foreign.id)] }),
      );

      expect(RegisterResponse.parse(response).runtimes).toEqual([]);
      expect(await rowsOf(workspace.id)).toEqual([]);
      expect(await rowsOf(other.id)).toEqual([]);
    });

    it('skips a disabled failed profile', async () => {
      const workspace = await insertWorkspace(db);
      const disabled = await insertRuntimeProfile(db, workspace.id, { enabled: false });

      await sut.register(
        buildPayload(workspace.id, {
          runtimes: [builtIn('claude')],
          failedProfiles: [failure(disabled.id)],
        }),
      );

      expect((await rowsOf(workspace.id)).map((r) => r.profileId)).toEqual([null]);
    });

    it('skips a failed profile being deleted, so no row can outlive it', async () => {
      const workspace = await insertWorkspace(db);
      const deleting = await insertRuntimeProfile(db, workspace.id);
      const recorded = await insertRuntimeProfile(db, workspace.id);
      await database.dataSource.query(
        `UPDATE runtime_profile SET deletion_requested_at = now() WHERE id = $1`,
        [deleting.id],
      );

      await sut.register(
        buildPayload(workspace.id, {
          failedProfiles: [failure(deleting.id), failure(recorded.id)],
        }),
      );

      expect((await rowsOf(workspace.id)).map((r) => [r.profileId, r.status])).toEqual([
        [recorded.id, 'offline'],
      ]);
    });

    it('still refuses the whole registration for a refused runtimes entry', async () => {
      const workspace = await insertWorkspace(db);
      const recorded = await insertRuntimeProfile(db, workspace.id);
      const unknown = randomUUID();

      const err = await rejectionOf(
        sut.register(
          buildPayload(workspace.id, {
            runtimes: [builtIn('claude'), custom(unknown)],
            failedProfiles: [failure(recorded.id)],
          }),
        ),
      );

      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({
        code: 'UNKNOWN_PROFILE',
        message: MESSAGES.unknownProfile(unknown),
      });
      expect(await rowsOf(workspace.id)).toEqual([]);
    });
  });
});
