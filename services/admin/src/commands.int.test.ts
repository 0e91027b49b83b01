import { randomUUID } from 'node:crypto';
import { hashToken } from '@cp/db';
import {
  createTestDatabase,
  insertMember,
  insertUser,
  insertWorkspace,
  type TestDatabase,
  uniqueSuffix,
} from '@cp/testing';
import {
  addMember,
  createDaemonToken,
  createToken,
  createWorkspace,
  DEMO_OWNER_EMAIL,
  grantOperator,
  seedDemo,
} from './commands';
import { UsageError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PAT = /^mul_[A-Za-z0-9_-]{43}$/;
const DAEMON_TOKEN = /^mdt_[A-Za-z0-9_-]{43}$/;

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb.drop();
});

/** Rows of a table whose text form contains `needle` (a plain token must be in none). */
async function rowsContaining(table: 'api_token' | 'user' | 'workspace', needle: string) {
  const rows: unknown[] = await testDb.dataSource.query(
    `SELECT 1 FROM "${table}" t WHERE row_to_json(t)::text LIKE '%' || $1 || '%'`,
    [needle],
  );
  return rows.length;
}

async function countWhere(sql: string, params: unknown[]): Promise<number> {
  const [row]: { count: string }[] = await testDb.dataSource.query(sql, params);
  return Number(row?.count);
}

/** Asserts that `promise` rejects with a UsageError (exit code 2 in the CLI) saying `message`. */
async function expectUsageError(promise: Promise<unknown>, message: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect(err).toMatchObject({ message });
}

/** A Db whose transactions fail at their first token issue, after the earlier writes. */
function failingAtTokenIssue(): TestDatabase['db'] {
  const { db } = testDb;
  return {
    ...db,
    transaction: (fn) =>
      db.transaction((tx) => {
        jest.spyOn(tx.tokens, 'issue').mockRejectedValue(new Error('disk full'));
        return fn(tx);
      }),
  };
}

describe('admin commands', () => {
  describe(createWorkspace.name, () => {
    it('creates the workspace, its owner and a personal token', async () => {
      const email = `owner-${uniqueSuffix()}@example.test`;

      const sut = await createWorkspace(testDb.db, { name: 'Acme', ownerEmail: email });

      expect(Object.keys(sut).sort()).toEqual(['token', 'user_id', 'workspace_id']);
      expect(sut.workspace_id).toMatch(UUID);
      expect(sut.token).toMatch(PAT);
      const owner = await testDb.db.users.findById(sut.user_id);
      expect(owner).toMatchObject({ email, name: email.split('@')[0], isOperator: false });
      expect(await testDb.db.members.findRole(sut.workspace_id, sut.user_id)).toBe('owner');
    });

    it('stores the token hash only', async () => {
      const sut = await createWorkspace(testDb.db, {
        name: 'Hashes',
        ownerEmail: `hash-${uniqueSuffix()}@example.test`,
      });

      const row = await testDb.db.tokens.findByHash(hashToken(sut.token));
      expect(row).toMatchObject({ kind: 'pat', userId: sut.user_id, workspaceId: null });
      expect(await rowsContaining('api_token', sut.token)).toBe(0);
    });

    it('reuses the user that has the email', async () => {
      const user = await insertUser(testDb.db);

      const sut = await createWorkspace(testDb.db, {
        name: 'Reuse',
        ownerEmail: user.email,
      });

      expect(sut.user_id).toBe(user.id);
      expect(await testDb.db.members.findRole(sut.workspace_id, user.id)).toBe('owner');
    });

    it('derives the slug from the name and suffixes it when taken', async () => {
      const suffix = uniqueSuffix();
      const name = `Acme Corp ${suffix}`;
      const ownerEmail = `slug-${suffix}@example.test`;

      const first = await createWorkspace(testDb.db, { name, ownerEmail });
      const second = await createWorkspace(testDb.db, { name, ownerEmail });
      const third = await createWorkspace(testDb.db, { name, ownerEmail });

      const slugs = await Promise.all(
        [first, second, third].map(
          async ({ workspace_id }) => (await testDb.db.workspaces.findById(workspace_id))?.slug,
        ),
      );
      expect(slugs).toEqual([
        `acme-corp-${suffix}`,
        `acme-corp-${suffix}-2`,
        `acme-corp-${suffix}-3`,
      ]);
      expect(second.user_id).toBe(first.user_id);
    });

    it('writes nothing when a step fails', async () => {
      const suffix = uniqueSuffix();
      const name = `Doomed ${suffix}`;
      const ownerEmail = `doomed-${suffix}@example.test`;

      await expect(createWorkspace(failingAtTokenIssue(), { name, ownerEmail })).rejects.toThrow(
        'disk full',
      );

      expect(await countWhere('SELECT count(*) FROM workspace WHERE name = $1', [name])).toBe(0);
      expect(await testDb.db.users.findByEmail(ownerEmail)).toBeNull();
    });
  });

  describe(addMember.name, () => {
    it('creates an unknown user as a member and issues a personal token', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const email = `new-${uniqueSuffix()}@example.test`;

      const sut = await addMember(testDb.db, { workspaceId: workspace.id, email, role: 'admin' });

      expect(Object.keys(sut).sort()).toEqual(['token', 'user_id']);
      expect(sut.token).toMatch(PAT);
      expect((await testDb.db.users.findByEmail(email))?.id).toBe(sut.user_id);
      expect(await testDb.db.members.findRole(workspace.id, sut.user_id)).toBe('admin');
      const row = await testDb.db.tokens.findByHash(hashToken(sut.token));
      expect(row).toMatchObject({ kind: 'pat', userId: sut.user_id });
      expect(await rowsContaining('api_token', sut.token)).toBe(0);
    });

    it('changes the role of an existing membership', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const { user } = await insertMember(testDb.db, workspace.id, 'member');

      const sut = await addMember(testDb.db, {
        workspaceId: workspace.id,
        email: user.email,
        role: 'owner',
      });

      expect(sut.user_id).toBe(user.id);
      expect(await testDb.db.members.findRole(workspace.id, user.id)).toBe('owner');
    });

    it('refuses an unknown workspace and creates no user', async () => {
      const email = `orphan-${uniqueSuffix()}@example.test`;
      const workspaceId = randomUUID();

      await expectUsageError(
        addMember(testDb.db, { workspaceId, email, role: 'member' }),
        `workspace ${workspaceId} not found`,
      );
      expect(await testDb.db.users.findByEmail(email)).toBeNull();
    });

    it('writes nothing when a step fails', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const email = `doomed-${uniqueSuffix()}@example.test`;

      await expect(
        addMember(failingAtTokenIssue(), { workspaceId: workspace.id, email, role: 'member' }),
      ).rejects.toThrow('disk full');

      expect(await testDb.db.users.findByEmail(email)).toBeNull();
    });
  });

  describe(createToken.name, () => {
    it('issues a personal token for the user', async () => {
      const user = await insertUser(testDb.db);

      const sut = await createToken(testDb.db, { userId: user.id });

      expect(Object.keys(sut)).toEqual(['token']);
      expect(sut.token).toMatch(PAT);
      const row = await testDb.db.tokens.findByHash(hashToken(sut.token));
      expect(row).toMatchObject({ kind: 'pat', userId: user.id, workspaceId: null });
      expect(await rowsContaining('api_token', sut.token)).toBe(0);
    });

    it('refuses an unknown user', async () => {
      const userId = randomUUID();

      await expectUsageError(createToken(testDb.db, { userId }), `user ${userId} not found`);
      expect(await countWhere('SELECT count(*) FROM api_token WHERE user_id = $1', [userId])).toBe(
        0,
      );
    });
  });

  describe(createDaemonToken.name, () => {
    it('issues a daemon token bound to the workspace', async () => {
      const workspace = await insertWorkspace(testDb.db);

      const sut = await createDaemonToken(testDb.db, { workspaceId: workspace.id });

      expect(Object.keys(sut)).toEqual(['token']);
      expect(sut.token).toMatch(DAEMON_TOKEN);
      const row = await testDb.db.tokens.findByHash(hashToken(sut.token));
      expect(row).toMatchObject({ kind: 'daemon', workspaceId: workspace.id, userId: null });
      expect(await rowsContaining('api_token', sut.token)).toBe(0);
    });

    it('issues it for a member when asked', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const { user } = await insertMember(testDb.db, workspace.id, 'member');

      const sut = await createDaemonToken(testDb.db, {
        workspaceId: workspace.id,
        userId: user.id,
      });

      const row = await testDb.db.tokens.findByHash(hashToken(sut.token));
      expect(row).toMatchObject({
        kind: 'daemon',
        workspaceId: workspace.id,
        userId: user.id,
        createdBy: user.id,
      });
    });

    it('refuses a user who is not a member, issuing nothing', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const outsider = await insertUser(testDb.db);

      await expectUsageError(
        createDaemonToken(testDb.db, { workspaceId: workspace.id, userId: outsider.id }),
        `user ${outsider.id} is not a member of workspace ${workspace.id}`,
      );
      expect(
        await countWhere('SELECT count(*) FROM api_token WHERE workspace_id = $1', [workspace.id]),
      ).toBe(0);
    });

    it('refuses an unknown workspace or user', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const missing = randomUUID();

      await expectUsageError(
        createDaemonToken(testDb.db, { workspaceId: missing }),
        `workspace ${missing} not found`,
      );
      await expectUsageError(
        createDaemonToken(testDb.db, { workspaceId: workspace.id, userId: missing }),
        `user ${missing} not found`,
      );
    });
  });

  describe(grantOperator.name, () => {
    it('makes the user an operator, idempotently', async () => {
      const user = await insertUser(testDb.db);

      const sut = await grantOperator(testDb.db, { userId: user.id });
      await grantOperator(testDb.db, { userId: user.id });

      expect(sut).toEqual({ user_id: user.id });
      expect((await testDb.db.users.findById(user.id))?.isOperator).toBe(true);
    });

    it('refuses an unknown user', async () => {
      const userId = randomUUID();

      await expectUsageError(grantOperator(testDb.db, { userId }), `user ${userId} not found`);
    });
  });

  describe(seedDemo.name, () => {
    it('seeds an empty database once', async () => {
      const empty = await createTestDatabase({ poolSize: 2 });
      try {
        const sut = await seedDemo(empty.db);
        const again = await seedDemo(empty.db);

        expect(sut).not.toBeNull();
        expect(Object.keys(sut ?? {}).sort()).toEqual([
          'daemon_token',
          'token',
          'user_id',
          'workspace_id',
        ]);
        expect(again).toBeNull();
        const workspace = await empty.db.workspaces.findById(sut?.workspace_id ?? '');
        expect(workspace).toMatchObject({ name: 'Demo', slug: 'demo' });
        const owner = await empty.db.users.findByEmail(DEMO_OWNER_EMAIL);
        expect(owner?.id).toBe(sut?.user_id);
        expect(owner?.isOperator).toBe(true);
        expect(await empty.db.members.findRole(workspace?.id ?? '', owner?.id ?? '')).toBe('owner');
        expect(sut?.token).toMatch(PAT);
        expect(sut?.daemon_token).toMatch(DAEMON_TOKEN);
        expect(await empty.db.tokens.findByHash(hashToken(sut?.token ?? ''))).toMatchObject({
          kind: 'pat',
          userId: owner?.id,
        });
        expect(await empty.db.tokens.findByHash(hashToken(sut?.daemon_token ?? ''))).toMatchObject({
          kind: 'daemon',
          workspaceId: workspace?.id,
        });
        const [counts]: { workspaces: string; tokens: string }[] = await empty.dataSource.query(
          `SELECT (SELECT count(*) FROM workspace) AS workspaces,
                  (SELECT count(*) FROM api_token) AS tokens`,
        );
        expect(counts).toEqual({ workspaces: '1', tokens: '2' });
      } finally {
        await empty.drop();
      }
    });

    it('leaves a database with workspaces alone', async () => {
      await insertWorkspace(testDb.db);

      const sut = await seedDemo(testDb.db);

      expect(sut).toBeNull();
      expect(await testDb.db.users.findByEmail(DEMO_OWNER_EMAIL)).toBeNull();
    });
  });
});
