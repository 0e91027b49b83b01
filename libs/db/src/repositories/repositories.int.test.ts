import { randomUUID } from 'node:crypto';
import { AppError, DAEMON_TOKEN_PREFIX, MESSAGES, PAT_PREFIX } from '@cp/contracts';
import {
  buildRuntimeProfile,
  buildUser,
  buildWorkspace,
  createTestDatabase,
  insertAgent,
  insertAutopilot,
  insertMember,
  insertRuntime,
  insertRuntimeProfile,
  insertSquad,
  insertSquadMember,
  insertTask,
  insertUser,
  insertWorkspace,
  uniqueSuffix,
  type TestDatabase,
} from '@cp/testing';
import type { Db } from '../db';
import { isUniqueViolation, pgErrorOf } from '../pg-errors';
import { hashToken } from '../tokens';

/** The error `work` rejects with; fails when it resolves. */
async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

describe('createDb repositories', () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** Sets a row's created_at (to order rows independently of insertion order). */
  async function setCreatedAt(table: string, id: string, iso: string): Promise<void> {
    await database.dataSource.query(`UPDATE ${table} SET created_at = $2 WHERE id = $1`, [id, iso]);
  }

  /** Counts the rows of `table` with one of `ids`. */
  async function countRows(table: string, ids: string[]): Promise<number> {
    const [row] = await database.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return row?.n ?? -1;
  }

  describe('workspaces', () => {
    let sut: Db['workspaces'];
    beforeAll(() => {
      sut = db.workspaces;
    });

    it('creates a workspace with upstream defaults and finds it by id', async () => {
      const input = buildWorkspace();

      const created = await sut.create(input);

      expect(created).toMatchObject({ ...input, settings: {}, repos: [], issueCounter: 0 });
      expect(await sut.findById(created.id)).toEqual(created);
    });

    it('finds nothing for an unknown id', async () => {
      expect(await sut.findById(randomUUID())).toBeNull();
    });

    it('raises the unique violation for a taken slug', async () => {
      const { slug } = await sut.create(buildWorkspace());

      const err = await rejectionOf(sut.create(buildWorkspace({ slug })));

      expect(isUniqueViolation(err, 'workspace_slug_key')).toBe(true);
    });

    it('says whether any workspace exists', async () => {
      const fresh = await createTestDatabase({ poolSize: 1 });
      try {
        const emptySut = fresh.db.workspaces;
        expect(await emptySut.hasAny()).toBe(false);

        await emptySut.create(buildWorkspace());

        expect(await emptySut.hasAny()).toBe(true);
      } finally {
        await fresh.drop();
      }
    });
  });

  describe('users', () => {
    let sut: Db['users'];
    beforeAll(() => {
      sut = db.users;
    });

    it('creates a user who is not an operator and finds them by exact email', async () => {
      const input = buildUser();

      const created = await sut.create(input);

      expect(created).toMatchObject({ ...input, isOperator: false });
      expect(await sut.findByEmail(input.email)).toMatchObject({ id: created.id });
      expect(await sut.findByEmail(input.email.toUpperCase())).toBeNull();
      expect(await sut.findById(created.id)).toMatchObject({ email: input.email });
    });

    it('raises the unique violation for a taken email', async () => {
      const { email } = await sut.create(buildUser());

      const err = await rejectionOf(sut.create(buildUser({ email })));

      expect(isUniqueViolation(err, 'user_email_key')).toBe(true);
    });

    it('grants operator to an existing user', async () => {
      const user = await sut.create(buildUser());

      expect(await sut.grantOperator(user.id)).toBe(true);

      const after = await sut.findById(user.id);
      expect(after?.isOperator).toBe(true);
      expect(after?.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());
    });

    it('grants nothing to an unknown id', async () => {
      expect(await sut.grantOperator(randomUUID())).toBe(false);
    });
  });

  describe('members', () => {
    let sut: Db['members'];
    beforeAll(() => {
      sut = db.members;
    });

    it('adds a membership, then changes its role in place', async () => {
      const workspace = await insertWorkspace(db);
      const user = await insertUser(db);

      const added = await sut.upsert(workspace.id, user.id, 'member');
      expect(added).toMatchObject({ workspaceId: workspace.id, userId: user.id, role: 'member' });
      expect(await sut.findRole(workspace.id, user.id)).toBe('member');

      const changed = await sut.upsert(workspace.id, user.id, 'admin');
      expect(changed).toMatchObject({ id: added.id, role: 'admin' });
      expect(await sut.findRole(workspace.id, user.id)).toBe('admin');
    });

    it('finds no role for a non-member, even one of another workspace', async () => {
      const [workspace, other] = await Promise.all([insertWorkspace(db), insertWorkspace(db)]);
      const { user } = await insertMember(db, other.id, 'owner');

      expect(await sut.findRole(workspace.id, user.id)).toBeUndefined();
      expect(await sut.findRole(workspace.id, randomUUID())).toBeUndefined();
    });
  });

  describe('tokens', () => {
    let sut: Db['tokens'];
    beforeAll(() => {
      sut = db.tokens;
    });

    it.each([
      ['pat', PAT_PREFIX],
      ['daemon', DAEMON_TOKEN_PREFIX],
    ] as const)('issues a %s token shown once and stored as its SHA-256', async (kind, prefix) => {
      const workspace = await insertWorkspace(db);
      const user = await insertUser(db);

      const { token, row } =
        kind === 'pat'
          ? await sut.issue({ kind, userId: user.id })
          : await sut.issue({ kind, workspaceId: workspace.id, createdBy: user.id });

      expect(token.startsWith(prefix)).toBe(true);
      expect(token.slice(prefix.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(row).toMatchObject({
        kind,
        tokenHash: hashToken(token),
        userId: kind === 'pat' ? user.id : null,
        workspaceId: kind === 'pat' ? null : workspace.id,
        createdBy: kind === 'pat' ? null : user.id,
        lastUsedAt: null,
        revokedAt: null,
      });
      const [stored] = await database.dataSource.query<{ json: string }[]>(
        `SELECT row_to_json(t)::text AS json FROM api_token t WHERE id = $1`,
        [row.id],
      );
      expect(stored?.json).toContain(hashToken(token));
      expect(stored?.json).not.toContain(token.slice(prefix.length));
      expect(await sut.findByHash(hashToken(token))).toMatchObject({ id: row.id, kind });
    });

    it('finds no token for an unknown hash', async () => {
      expect(await sut.findByHash(hashToken(`mul_${uniqueSuffix()}`))).toBeNull();
    });

    it('records a use once per interval', async () => {
      const user = await insertUser(db);
      const { row } = await sut.issue({ kind: 'pat', userId: user.id });
      const lastUsedAt = async (): Promise<string | null> => {
        const [r] = await database.dataSource.query<{ at: string | null }[]>(
          `SELECT last_used_at::text AS at FROM api_token WHERE id = $1`,
          [row.id],
        );
        return r?.at ?? null;
      };

      await sut.touchLastUsed(row.id, 3600);
      const first = await lastUsedAt();
      await sut.touchLastUsed(row.id, 3600);
      const second = await lastUsedAt();

      expect(first).not.toBeNull();
      expect(second).toBe(first);

      await database.dataSource.query(
        `UPDATE api_token SET last_used_at = now() - interval '2 hours' WHERE id = $1`,
        [row.id],
      );
      const backdated = await lastUsedAt();
      await sut.touchLastUsed(row.id, 3600);
      const third = await lastUsedAt();

      expect(third).not.toBe(backdated);
      expect(new Date(third ?? 0).getTime()).toBeGreaterThan(new Date(backdated ?? 0).getTime());
    });

    it('revokes a token once', async () => {
      const user = await insertUser(db);
      const { token, row } = await sut.issue({ kind: 'pat', userId: user.id });

      expect(await sut.revoke(row.id)).toBe(true);
      expect(await sut.revoke(row.id)).toBe(false);
      expect(await sut.revoke(randomUUID())).toBe(false);
      expect((await sut.findByHash(hashToken(token)))?.revokedAt).toBeInstanceOf(Date);
    });
  });

  describe('profiles', () => {
    let sut: Db['profiles'];
    beforeAll(() => {
      sut = db.profiles;
    });

    it('creates a profile with upstream defaults and finds it in its workspace only', async () => {
      const [workspace, other] = await Promise.all([insertWorkspace(db), insertWorkspace(db)]);
      const input = buildRuntimeProfile(workspace.id, { fixedArgs: ['--profile', 'work'] });

      const created = await sut.create(input);

      expect(created).toMatchObject({
        ...input,
        description: null,
        visibility: 'workspace',
        enabled: true,
        deletionRequestedAt: null,
      });
      expect(await sut.findInWorkspace(workspace.id, created.id)).toMatchObject({
        id: created.id,
        fixedArgs: ['--profile', 'work'],
      });
      expect(await sut.findInWorkspace(other.id, created.id)).toBeNull();
    });

    it('lists the workspace profiles by created_at, enabled or not unless asked', async () => {
      const [workspace, other] = await Promise.all([insertWorkspace(db), insertWorkspace(db)]);
      const first = await sut.create(buildRuntimeProfile(workspace.id));
      const second = await sut.create(buildRuntimeProfile(workspace.id, { enabled: false }));
      const third = await sut.create(buildRuntimeProfile(workspace.id));
      await sut.create(buildRuntimeProfile(other.id));
      await setCreatedAt('runtime_profile', third.id, '2020-01-01T00:00:00Z');
      await setCreatedAt('runtime_profile', second.id, '2020-01-02T00:00:00Z');
      await setCreatedAt('runtime_profile', first.id, '2020-01-03T00:00:00Z');

      const all = await sut.listInWorkspace(workspace.id);
      const enabled = await sut.listInWorkspace(workspace.id, { enabledOnly: true });

      expect(all.map((p) => p.id)).toEqual([third.id, second.id, first.id]);
      expect(enabled.map((p) => p.id)).toEqual([third.id, first.id]);
    });

    it('refuses a taken display_name with DISPLAY_NAME_TAKEN and upstream sentence', async () => {
      const workspace = await insertWorkspace(db);
      const { displayName } = await insertRuntimeProfile(db, workspace.id);

      const err = await rejectionOf(sut.create(buildRuntimeProfile(workspace.id, { displayName })));

      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'DISPLAY_NAME_TAKEN', message: MESSAGES.displayNameTaken });
      expect(await sut.listInWorkspace(workspace.id)).toHaveLength(1);
    });
  });

  describe('runtimes', () => {
    let sut: Db['runtimes'];
    beforeAll(() => {
      sut = db.runtimes;
    });

    it('creates a built-in row as given and finds it by id', async () => {
      const workspace = await insertWorkspace(db);
      const daemonId = `daemon-${uniqueSuffix()}`;

      const created = await sut.create({
        workspaceId: workspace.id,
        daemonId,
        name: 'Claude',
        runtimeMode: 'local',
        provider: 'claude',
      });

      expect(await sut.findById(created.id)).toMatchObject({
        workspaceId: workspace.id,
        daemonId,
        name: 'Claude',
        provider: 'claude',
        status: 'offline',
        visibility: 'private',
        metadata: {},
        profileId: null,
        ownerId: null,
      });
      expect(await sut.findById(randomUUID())).toBeNull();
    });

    it("lists the workspace's runtimes by created_at, or one owner's", async () => {
      const [workspace, other] = await Promise.all([insertWorkspace(db), insertWorkspace(db)]);
      const owner = await insertUser(db);
      const owned = await insertRuntime(db, workspace.id, { ownerId: owner.id });
      const unowned = await insertRuntime(db, workspace.id);
      const ownedLater = await insertRuntime(db, workspace.id, { ownerId: owner.id });
      await insertRuntime(db, other.id, { ownerId: owner.id });
      await setCreatedAt('agent_runtime', ownedLater.id, '2020-01-01T00:00:00Z');
      await setCreatedAt('agent_runtime', unowned.id, '2020-01-02T00:00:00Z');
      await setCreatedAt('agent_runtime', owned.id, '2020-01-03T00:00:00Z');

      const all = await sut.listInWorkspace(workspace.id);
      const mine = await sut.listInWorkspace(workspace.id, { ownerId: owner.id });

      expect(all.map((r) => r.id)).toEqual([ownedLater.id, unowned.id, owned.id]);
      expect(mine.map((r) => r.id)).toEqual([ownedLater.id, owned.id]);
    });
  });

  describe('transaction', () => {
    it('rolls back every write when the callback throws', async () => {
      const failure = new Error(`rollback ${uniqueSuffix()}`);
      const userInput = buildUser();
      let workspaceId = '';
      let profileId = '';

      const err = await rejectionOf(
        db.transaction(async (tx) => {
          const workspace = await tx.workspaces.create(buildWorkspace());
          workspaceId = workspace.id;
          await tx.users.create(userInput);
          profileId = (await tx.profiles.create(buildRuntimeProfile(workspace.id))).id;
          expect(await tx.workspaces.findById(workspace.id)).not.toBeNull();
          throw failure;
        }),
      );

      expect(err).toBe(failure);
      expect(workspaceId).not.toBe('');
      expect(await db.workspaces.findById(workspaceId)).toBeNull();
      expect(await db.users.findByEmail(userInput.email)).toBeNull();
      expect(await db.profiles.findInWorkspace(workspaceId, profileId)).toBeNull();
    });

    it('commits every write and returns the value when the callback resolves', async () => {
      const userInput = buildUser();

      const { workspaceId, profileId } = await db.transaction(async (tx) => {
        const workspace = await tx.workspaces.create(buildWorkspace());
        await tx.users.create(userInput);
        const profile = await tx.profiles.create(buildRuntimeProfile(workspace.id));
        return { workspaceId: workspace.id, profileId: profile.id };
      });

      expect(await db.workspaces.findById(workspaceId)).not.toBeNull();
      expect(await db.users.findByEmail(userInput.email)).not.toBeNull();
      expect(await db.profiles.findInWorkspace(workspaceId, profileId)).not.toBeNull();
    });

    it('keeps writes out of sight of other connections until it commits', async () => {
      const userInput = buildUser();
      let seenOutside: unknown = 'not looked';

      await db.transaction(async (tx) => {
        await tx.users.create(userInput);
        seenOutside = await db.users.findByEmail(userInput.email);
      });

      expect(seenOutside).toBeNull();
      expect(await db.users.findByEmail(userInput.email)).not.toBeNull();
    });
  });

  describe('agents', () => {
    let sut: Db['agents'];
    beforeAll(() => {
      sut = db.agents;
    });

    it('creates an agent, a squad with a member, an autopilot and a task', async () => {
      const workspace = await insertWorkspace(db);
      const creator = await insertUser(db);
      const runtime = await insertRuntime(db, workspace.id);

      const agent = await insertAgent(db, workspace.id, runtime.id);
      const squad = await insertSquad(db, workspace.id, agent.id, creator.id);
      const member = await insertSquadMember(db, squad.id, agent.id);
      const autopilot = await insertAutopilot(db, workspace.id, agent.id, creator.id);
      const task = await insertTask(db, { agentId: agent.id, runtimeId: runtime.id });

      expect(await sut.findById(agent.id)).toMatchObject({
        runtimeId: runtime.id,
        runtimeMode: 'local',
        visibility: 'private',
        archivedAt: null,
        customArgs: [],
      });
      expect(squad).toMatchObject({ leaderId: agent.id, description: '', archivedAt: null });
      expect(member).toMatchObject({ squadId: squad.id, memberType: 'agent', role: '' });
      expect(autopilot).toMatchObject({
        assigneeId: agent.id,
        assigneeType: 'agent',
        createdByType: 'member',
        status: 'active',
      });
      expect(task).toMatchObject({ agentId: agent.id, status: 'queued', priority: 0 });
      expect(await countRows('squad', [squad.id])).toBe(1);
      expect(await countRows('squad_member', [member.id])).toBe(1);
      expect(await countRows('autopilot', [autopilot.id])).toBe(1);
      expect(await countRows('agent_task_queue', [task.id])).toBe(1);
    });

    it('finds no agent for an unknown id', async () => {
      expect(await sut.findById(randomUUID())).toBeNull();
    });

    it('translates a duplicate name, a vanished runtime and a vanished leader into domain errors', async () => {
      const workspace = await insertWorkspace(db);
      const creator = await insertUser(db);
      const runtime = await insertRuntime(db, workspace.id);
      const agent = await insertAgent(db, workspace.id, runtime.id);

      const duplicate = await rejectionOf(
        insertAgent(db, workspace.id, runtime.id, { name: agent.name }),
      );
      const noRuntime = await rejectionOf(insertAgent(db, workspace.id, randomUUID()));
      const noLeader = await rejectionOf(insertSquad(db, workspace.id, randomUUID(), creator.id));

      expect(duplicate).toMatchObject({
        code: 'AGENT_NAME_TAKEN',
        message: MESSAGES.agentNameTaken,
      });
      expect(noRuntime).toMatchObject({
        code: 'RUNTIME_NOT_FOUND',
        message: MESSAGES.runtimeNotFound,
      });
      expect(noLeader).toMatchObject({ code: 'AGENT_NOT_FOUND', message: MESSAGES.agentNotFound });
    });

    it('archives and restores only within the workspace, keeping the first archive', async () => {
      const workspace = await insertWorkspace(db);
      const other = await insertWorkspace(db);
      const [first, second] = [await insertUser(db), await insertUser(db)];
      const runtime = await insertRuntime(db, workspace.id);
      const agent = await insertAgent(db, workspace.id, runtime.id);

      expect(await sut.archive(other.id, agent.id, first.id)).toBeNull();
      const archived = await sut.archive(workspace.id, agent.id, first.id);
      const again = await sut.archive(workspace.id, agent.id, second.id);
      expect(archived?.archivedBy).toBe(first.id);
      expect(archived?.archivedAt).toBeInstanceOf(Date);
      expect(again).toMatchObject({ archivedBy: first.id, archivedAt: archived?.archivedAt });

      expect(await sut.restore(other.id, agent.id)).toBeNull();
      expect(await sut.restore(workspace.id, agent.id)).toMatchObject({
        archivedAt: null,
        archivedBy: null,
      });
    });

    it('archives a squad only within the workspace, keeping the first archive', async () => {
      const workspace = await insertWorkspace(db);
      const other = await insertWorkspace(db);
      const [first, second] = [await insertUser(db), await insertUser(db)];
      const runtime = await insertRuntime(db, workspace.id);
      const leader = await insertAgent(db, workspace.id, runtime.id);
      const squad = await insertSquad(db, workspace.id, leader.id, first.id);

      expect(await sut.archiveSquad(other.id, squad.id, first.id)).toBeNull();
      expect(await sut.findSquadInWorkspace(other.id, squad.id)).toBeNull();
      const archived = await sut.archiveSquad(workspace.id, squad.id, first.id);
      const again = await sut.archiveSquad(workspace.id, squad.id, second.id);
      expect(archived?.archivedBy).toBe(first.id);
      expect(archived?.archivedAt).toBeInstanceOf(Date);
      expect(again).toMatchObject({ archivedBy: first.id, archivedAt: archived?.archivedAt });
    });

    it('holds a row found with a key-share lock against deletion until the transaction ends', async () => {
      const workspace = await insertWorkspace(db);
      const runtime = await insertRuntime(db, workspace.id);
      const agent = await insertAgent(db, workspace.id, runtime.id);

      const seen = await db.transaction(async (tx) => {
        const found = await tx.agents.findInWorkspace(workspace.id, agent.id, {
          lock: 'key-share',
        });
        // NOWAIT: a delete from another connection must fail at once rather than wait.
        const blocked = await rejectionOf(
          database.dataSource.query(
            `DELETE FROM agent WHERE id IN (SELECT id FROM agent WHERE id = $1 FOR UPDATE NOWAIT)`,
            [agent.id],
          ),
        );
        expect(pgErrorOf(blocked)?.code).toBe('55P03');
        return found;
      });

      expect(seen?.id).toBe(agent.id);
      expect(await sut.findInWorkspace(workspace.id, agent.id)).not.toBeNull();
    });
  });

  describe('deleting runtime rows', () => {
    it('fails while an agent references the runtime (RESTRICT)', async () => {
      const workspace = await insertWorkspace(db);
      const runtime = await insertRuntime(db, workspace.id);
      await insertAgent(db, workspace.id, runtime.id);

      await expect(
        database.dataSource.query('DELETE FROM agent_runtime WHERE id = $1', [runtime.id]),
      ).rejects.toMatchObject({
        driverError: { code: '23503', constraint: 'agent_runtime_id_fkey' },
      });
      expect(await db.runtimes.findById(runtime.id)).not.toBeNull();
    });

    it('deletes the tasks of a runtime that only tasks reference (CASCADE)', async () => {
      const workspace = await insertWorkspace(db);
      const home = await insertRuntime(db, workspace.id);
      const target = await insertRuntime(db, workspace.id);
      const agent = await insertAgent(db, workspace.id, home.id);
      const onTarget = await Promise.all([
        insertTask(db, { agentId: agent.id, runtimeId: target.id }),
        insertTask(db, { agentId: agent.id, runtimeId: target.id }),
      ]);
      const onHome = await insertTask(db, { agentId: agent.id, runtimeId: home.id });

      await database.dataSource.query('DELETE FROM agent_runtime WHERE id = $1', [target.id]);

      expect(await db.runtimes.findById(target.id)).toBeNull();
      expect(
        await countRows(
          'agent_task_queue',
          onTarget.map((t) => t.id),
        ),
      ).toBe(0);
      expect(await countRows('agent_task_queue', [onHome.id])).toBe(1);
      expect(await db.agents.findById(agent.id)).not.toBeNull();
    });
  });
});
