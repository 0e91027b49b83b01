import { randomUUID } from 'node:crypto';
import { PROTOCOL_FAMILIES } from '@cp/contracts';
import {
  createTestDatabase,
  insertRuntime,
  insertRuntimeProfile,
  insertUser,
  insertWorkspace,
  uniqueSuffix,
  type TestDatabase,
} from '@cp/testing';
import { isUniqueViolation } from './pg-errors';
import { hashToken } from './tokens';

/** Upstream's names (spec §1.1, §1.2). */
const PROVIDER_KEY = 'agent_runtime_workspace_daemon_provider_key';
const PROFILE_KEY = 'agent_runtime_workspace_daemon_profile_key';
const DISPLAY_NAME_KEY = 'runtime_profile_workspace_id_display_name_key';
const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

/** The error `work` rejects with; fails when it resolves. */
async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail, but it succeeded');
}

describe('schema (spec §1–2)', () => {
  let sut: TestDatabase;
  beforeAll(async () => {
    sut = await createTestDatabase();
  });
  afterAll(async () => {
    await sut?.drop();
  });

  const daemonId = (): string => `daemon-${uniqueSuffix()}`;

  /** Inserts a profile row as SQL (no repository in the way), returning its id. */
  async function insertProfileRow(
    workspaceId: string,
    over: { displayName?: string; protocolFamily?: string; visibility?: string } = {},
  ): Promise<string> {
    const rows = await sut.dataSource.query<{ id: string }[]>(
      `INSERT INTO runtime_profile (workspace_id, display_name, protocol_family, command_name, visibility)
       VALUES ($1, $2, $3, 'company-codex', coalesce($4, 'workspace')) RETURNING id`,
      [
        workspaceId,
        over.displayName ?? `Profile ${uniqueSuffix()}`,
        over.protocolFamily ?? 'codex',
        over.visibility ?? null,
      ],
    );
    const id = rows[0]?.id;
    if (id === undefined) {
      throw new Error('INSERT … RETURNING returned no row');
    }
    return id;
  }

  describe('agent_runtime keys', () => {
    it('rejects a second built-in row of one provider on one daemon', async () => {
      const workspace = await insertWorkspace(sut.db);
      const daemon = daemonId();
      await insertRuntime(sut.db, workspace.id, { daemonId: daemon, provider: 'codex' });

      const err = await rejectionOf(
        insertRuntime(sut.db, workspace.id, { daemonId: daemon, provider: 'codex' }),
      );

      expect(isUniqueViolation(err, PROVIDER_KEY)).toBe(true);
    });

    it('lets a built-in row and custom rows of the same provider share a daemon', async () => {
      const workspace = await insertWorkspace(sut.db);
      const [first, second] = await Promise.all([
        insertRuntimeProfile(sut.db, workspace.id, { protocolFamily: 'codex' }),
        insertRuntimeProfile(sut.db, workspace.id, { protocolFamily: 'codex' }),
      ]);
      const daemon = daemonId();

      await insertRuntime(sut.db, workspace.id, { daemonId: daemon, provider: 'codex' });
      await insertRuntime(sut.db, workspace.id, {
        daemonId: daemon,
        provider: 'codex',
        profileId: first.id,
      });
      await insertRuntime(sut.db, workspace.id, {
        daemonId: daemon,
        provider: 'codex',
        profileId: second.id,
      });

      const rows = await sut.dataSource.query<{ profile_id: string | null }[]>(
        `SELECT profile_id FROM agent_runtime WHERE workspace_id = $1 AND daemon_id = $2
         ORDER BY profile_id NULLS FIRST`,
        [workspace.id, daemon],
      );
      expect(rows.map((r) => r.profile_id)).toEqual([null, ...[first.id, second.id].sort()]);
    });

    it('lets one profile register on two daemons', async () => {
      const workspace = await insertWorkspace(sut.db);
      const profile = await insertRuntimeProfile(sut.db, workspace.id);

      const rows = await Promise.all(
        [daemonId(), daemonId()].map((daemon) =>
          insertRuntime(sut.db, workspace.id, { daemonId: daemon, profileId: profile.id }),
        ),
      );

      expect(new Set(rows.map((r) => r.id)).size).toBe(2);
    });

    it('rejects a second row of one profile on one daemon', async () => {
      const workspace = await insertWorkspace(sut.db);
      const profile = await insertRuntimeProfile(sut.db, workspace.id);
      const daemon = daemonId();
      await insertRuntime(sut.db, workspace.id, { daemonId: daemon, profileId: profile.id });

      const err = await rejectionOf(
        insertRuntime(sut.db, workspace.id, {
          daemonId: daemon,
          profileId: profile.id,
          name: 'another name',
        }),
      );

      expect(isUniqueViolation(err, PROFILE_KEY)).toBe(true);
    });

    it('never conflicts on rows whose daemon_id is NULL', async () => {
      const workspace = await insertWorkspace(sut.db);
      const profile = await insertRuntimeProfile(sut.db, workspace.id);

      for (const profileId of [null, null, profile.id, profile.id]) {
        await insertRuntime(sut.db, workspace.id, {
          daemonId: null,
          runtimeMode: 'cloud',
          provider: 'codex',
          profileId,
        });
      }

      const rows = await sut.db.runtimes.listInWorkspace(workspace.id);
      expect(rows).toHaveLength(4);
    });

    it('scopes both keys by workspace', async () => {
      const [one, two] = await Promise.all([insertWorkspace(sut.db), insertWorkspace(sut.db)]);
      const daemon = daemonId();
      const profileId = randomUUID();

      for (const workspace of [one, two]) {
        await insertRuntime(sut.db, workspace.id, { daemonId: daemon, provider: 'codex' });
        await insertRuntime(sut.db, workspace.id, { daemonId: daemon, profileId });
      }

      expect(await sut.db.runtimes.listInWorkspace(one.id)).toHaveLength(2);
      expect(await sut.db.runtimes.listInWorkspace(two.id)).toHaveLength(2);
    });
  });

  describe('ON CONFLICT against the partial keys', () => {
    /** The built-in upsert of the register path, with or without the index predicate. */
    const builtInUpsert = (predicate: string) => `
      INSERT INTO agent_runtime (workspace_id, daemon_id, name, runtime_mode, provider, status)
      VALUES ($1, $2, $3, 'local', 'codex', 'online')
      ON CONFLICT (workspace_id, daemon_id, provider) ${predicate}
      DO UPDATE SET name = EXCLUDED.name, updated_at = now()
      RETURNING id, name`;

    it('fails without the WHERE profile_id IS NULL predicate', async () => {
      const workspace = await insertWorkspace(sut.db);

      await expect(
        sut.dataSource.query(builtInUpsert(''), [workspace.id, daemonId(), 'Codex']),
      ).rejects.toMatchObject({
        message:
          'there is no unique or exclusion constraint matching the ON CONFLICT specification',
        driverError: { code: '42P10' },
      });
    });

    it('updates the same built-in row with the predicate', async () => {
      const workspace = await insertWorkspace(sut.db);
      const daemon = daemonId();
      const sql = builtInUpsert('WHERE profile_id IS NULL');

      const [first] = await sut.dataSource.query<{ id: string; name: string }[]>(sql, [
        workspace.id,
        daemon,
        'Codex',
      ]);
      const [second] = await sut.dataSource.query<{ id: string; name: string }[]>(sql, [
        workspace.id,
        daemon,
        'Codex (renamed)',
      ]);

      expect(first?.id).toEqual(expect.any(String));
      expect(second).toEqual({ id: first?.id, name: 'Codex (renamed)' });
      expect(await sut.db.runtimes.listInWorkspace(workspace.id)).toHaveLength(1);
    });

    it('updates the same custom row with WHERE profile_id IS NOT NULL, beside a built-in row', async () => {
      const workspace = await insertWorkspace(sut.db);
      const profile = await insertRuntimeProfile(sut.db, workspace.id);
      const daemon = daemonId();
      await insertRuntime(sut.db, workspace.id, { daemonId: daemon, provider: 'codex' });
      const sql = `
        INSERT INTO agent_runtime
          (workspace_id, daemon_id, name, runtime_mode, provider, status, profile_id)
        VALUES ($1, $2, $3, 'local', 'codex', 'online', $4)
        ON CONFLICT (workspace_id, daemon_id, profile_id) WHERE profile_id IS NOT NULL
        DO UPDATE SET name = EXCLUDED.name, updated_at = now()
        RETURNING id`;

      const [first] = await sut.dataSource.query<{ id: string }[]>(sql, [
        workspace.id,
        daemon,
        'Company Codex',
        profile.id,
      ]);
      const [second] = await sut.dataSource.query<{ id: string }[]>(sql, [
        workspace.id,
        daemon,
        'Company Codex 2',
        profile.id,
      ]);

      expect(second?.id).toBe(first?.id);
      expect(await sut.db.runtimes.listInWorkspace(workspace.id)).toHaveLength(2);
    });
  });

  describe('runtime_profile', () => {
    it.each(['Codex', 'gemini2', ''])(
      'rejects protocol_family %j (runtime_profile_protocol_family_check)',
      async (family) => {
        const workspace = await insertWorkspace(sut.db);

        await expect(
          insertProfileRow(workspace.id, { protocolFamily: family }),
        ).rejects.toMatchObject({
          driverError: {
            code: CHECK_VIOLATION,
            constraint: 'runtime_profile_protocol_family_check',
          },
        });
      },
    );

    it('accepts every protocol family of @cp/contracts', async () => {
      const workspace = await insertWorkspace(sut.db);

      for (const family of PROTOCOL_FAMILIES) {
        await insertProfileRow(workspace.id, { protocolFamily: family });
      }

      expect(await sut.db.profiles.listInWorkspace(workspace.id)).toHaveLength(
        PROTOCOL_FAMILIES.length,
      );
    });

    it('rejects a second profile with the same display_name in a workspace', async () => {
      const workspace = await insertWorkspace(sut.db);
      const displayName = `Company Codex ${uniqueSuffix()}`;
      await insertProfileRow(workspace.id, { displayName });

      await expect(insertProfileRow(workspace.id, { displayName })).rejects.toMatchObject({
        driverError: { code: UNIQUE_VIOLATION, constraint: DISPLAY_NAME_KEY },
      });
    });

    it('compares display_name case-sensitively', async () => {
      const workspace = await insertWorkspace(sut.db);
      const base = `Codex ${uniqueSuffix()}`;

      await insertProfileRow(workspace.id, { displayName: `X ${base}` });
      await insertProfileRow(workspace.id, { displayName: `x ${base}` });

      const names = (await sut.db.profiles.listInWorkspace(workspace.id)).map((p) => p.displayName);
      expect(names.sort()).toEqual([`X ${base}`, `x ${base}`].sort());
    });

    it('allows the same display_name in two workspaces', async () => {
      const [one, two] = await Promise.all([insertWorkspace(sut.db), insertWorkspace(sut.db)]);
      const displayName = `Company Codex ${uniqueSuffix()}`;

      await insertProfileRow(one.id, { displayName });
      await insertProfileRow(two.id, { displayName });

      for (const workspace of [one, two]) {
        const [profile] = await sut.db.profiles.listInWorkspace(workspace.id);
        expect(profile?.displayName).toBe(displayName);
      }
    });

    it.each(['public', 'Workspace', ''])(
      'rejects visibility %j (runtime_profile_visibility_check)',
      async (visibility) => {
        const workspace = await insertWorkspace(sut.db);

        await expect(insertProfileRow(workspace.id, { visibility })).rejects.toMatchObject({
          driverError: { code: CHECK_VIOLATION, constraint: 'runtime_profile_visibility_check' },
        });
      },
    );

    it('stores visibility workspace or private, workspace by default, with upstream defaults', async () => {
      const workspace = await insertWorkspace(sut.db);

      const ids = [
        await insertProfileRow(workspace.id),
        await insertProfileRow(workspace.id, { visibility: 'private' }),
      ];

      const rows = await sut.dataSource.query<
        { visibility: string; fixed_args: unknown; enabled: boolean; description: null }[]
      >(
        `SELECT visibility, fixed_args, enabled, description FROM runtime_profile
         WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)`,
        [ids],
      );
      expect(rows).toEqual([
        { visibility: 'workspace', fixed_args: [], enabled: true, description: null },
        { visibility: 'private', fixed_args: [], enabled: true, description: null },
      ]);
    });

    it('outlives its workspace, which has no foreign key to it (spec §1.8)', async () => {
      const workspace = await insertWorkspace(sut.db);
      const profile = await insertRuntimeProfile(sut.db, workspace.id);
      const runtime = await insertRuntime(sut.db, workspace.id, { profileId: profile.id });

      await sut.dataSource.query('DELETE FROM workspace WHERE id = $1', [workspace.id]);

      expect(await sut.db.runtimes.findById(runtime.id)).toBeNull();
      expect(await sut.db.profiles.findInWorkspace(workspace.id, profile.id)).toMatchObject({
        id: profile.id,
      });
    });
  });

  describe('api_token', () => {
    /** Inserts a token row as SQL; every field overridable. */
    function insertTokenRow(
      over: {
        kind?: string;
        hash?: string;
        userId?: string | null;
        workspaceId?: string | null;
      } = {},
    ): Promise<unknown> {
      return sut.dataSource.query(
        `INSERT INTO api_token (kind, token_hash, user_id, workspace_id) VALUES ($1, $2, $3, $4)`,
        [
          over.kind ?? 'pat',
          over.hash ?? hashToken(`mul_${uniqueSuffix()}`),
          over.userId === undefined ? randomUUID() : over.userId,
          over.workspaceId ?? null,
        ],
      );
    }

    it('rejects an unknown kind (api_token_kind_check)', async () => {
      await expect(insertTokenRow({ kind: 'session' })).rejects.toMatchObject({
        driverError: { code: CHECK_VIOLATION, constraint: 'api_token_kind_check' },
      });
    });

    it.each([
      ['uppercase hex', hashToken('token').toUpperCase()],
      ['too short', hashToken('token').slice(1)],
      ['not hex', 'g'.repeat(64)],
      ['a plain token', `mul_${'a'.repeat(43)}`],
    ])('rejects a token_hash that is %s (api_token_token_hash_check)', async (_label, hash) => {
      await expect(insertTokenRow({ hash })).rejects.toMatchObject({
        driverError: { code: CHECK_VIOLATION, constraint: 'api_token_token_hash_check' },
      });
    });

    it.each([
      ['a daemon token without a workspace', { kind: 'daemon', workspaceId: null }],
      ['a personal token without a user', { kind: 'pat', userId: null }],
      ['a personal token bound to a workspace', { kind: 'pat', workspaceId: randomUUID() }],
    ])('rejects %s (api_token_scope_check)', async (_label, over) => {
      await expect(insertTokenRow(over)).rejects.toMatchObject({
        driverError: { code: CHECK_VIOLATION, constraint: 'api_token_scope_check' },
      });
    });

    it('accepts a daemon token with a workspace and no user, and a personal token', async () => {
      const user = await insertUser(sut.db);
      const hashes = [hashToken(`mdt_${uniqueSuffix()}`), hashToken(`mul_${uniqueSuffix()}`)];

      await insertTokenRow({
        kind: 'daemon',
        hash: hashes[0],
        workspaceId: randomUUID(),
        userId: null,
      });
      await insertTokenRow({ kind: 'pat', hash: hashes[1], userId: user.id });

      const rows = await sut.dataSource.query<{ kind: string }[]>(
        `SELECT kind FROM api_token WHERE token_hash = ANY($1::text[]) ORDER BY kind`,
        [hashes],
      );
      expect(rows).toEqual([{ kind: 'daemon' }, { kind: 'pat' }]);
    });

    it('rejects a second row with the same hash', async () => {
      const hash = hashToken(`mdt_${uniqueSuffix()}`);
      await insertTokenRow({ hash });

      const err = await rejectionOf(insertTokenRow({ hash }));

      expect(isUniqueViolation(err, 'api_token_token_hash_key')).toBe(true);
    });
  });
});
