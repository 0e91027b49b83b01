import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEmptyTestDatabase,
  createTestDatabase,
  insertRuntime,
  insertRuntimeProfile,
  insertWorkspace,
  type ScratchDatabase,
  type TestDatabase,
} from '@cp/testing';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { appliedMigrations, revertLastMigration, runMigrations } from '../migrate';
import { MIGRATIONS } from './index';

/** Upstream's constraint and index names (spec §1.2, §2). */
const LEGACY_PROVIDER_KEY = 'agent_runtime_workspace_id_daemon_id_provider_key';
const PARTIAL_PROVIDER_KEY = 'agent_runtime_workspace_daemon_provider_key';
const PARTIAL_PROFILE_KEY = 'agent_runtime_workspace_daemon_profile_key';

/** A migration file: `<13-digit timestamp>-<kebab-case name>.ts`. */
const MIGRATION_FILE = /^(\d{13})-[a-z0-9-]+\.ts$/;

const MIGRATION_NAMES = MIGRATIONS.map((Migration) => new Migration().name);
const migrationIndex = (name: string): number => {
  const index = MIGRATION_NAMES.findIndex((candidate) => candidate.startsWith(name));
  if (index < 0) {
    throw new Error(`no migration named ${name}*`);
  }
  return index;
};

/**
 * Everything a migration can change, keyed by name, with definitions as Postgres prints them:
 * relations (tables and sequences), columns (type, nullability, default, position among the
 * live columns), constraints (`table.name` → kind and definition) and indexes (definition).
 */
interface SchemaFingerprint {
  relations: string[];
  columns: Record<string, string>;
  constraints: Record<string, string>;
  indexes: Record<string, string>;
}

async function fingerprint(dataSource: DataSource): Promise<SchemaFingerprint> {
  const relations = await dataSource.query<{ name: string; kind: string }[]>(
    `SELECT relname AS name, relkind AS kind FROM pg_class
     WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     ORDER BY relname`,
  );
  const columns = await dataSource.query<
    {
      table_name: string;
      column_name: string;
      position: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
      column_default: string | null;
    }[]
  >(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
       row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position) AS position
     FROM information_schema.columns WHERE table_schema = 'public'
     ORDER BY table_name, ordinal_position`,
  );
  const constraints = await dataSource.query<
    { table_name: string; name: string; kind: string; definition: string }[]
  >(
    `SELECT conrelid::regclass::text AS table_name, conname AS name, contype AS kind,
       pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace
     ORDER BY 1, 2`,
  );
  const indexes = await dataSource.query<{ name: string; definition: string }[]>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = 'public' ORDER BY indexname`,
  );
  return {
    relations: relations.map((r) => `${r.name} (${r.kind})`),
    columns: Object.fromEntries(
      columns.map((c) => [
        `${c.table_name}.${c.column_name}`,
        [
          `#${c.position}`,
          `${c.data_type}/${c.udt_name}`,
          c.is_nullable === 'YES' ? 'NULL' : 'NOT NULL',
          `DEFAULT ${c.column_default ?? '-'}`,
        ].join(' '),
      ]),
    ),
    constraints: Object.fromEntries(
      constraints.map((c) => [`${c.table_name}.${c.name}`, `${c.kind} ${c.definition}`]),
    ),
    indexes: Object.fromEntries(indexes.map((i) => [i.name, i.definition])),
  };
}

/** The fingerprint recorded at `index`; throws when none was (the setup failed early). */
function recorded(list: SchemaFingerprint[], index: number): SchemaFingerprint {
  const fp = list[index];
  if (fp === undefined) {
    throw new Error(`no schema recorded at step ${index}`);
  }
  return fp;
}

/** The tables of the public schema, sorted. */
const tablesOf = (fp: SchemaFingerprint): string[] =>
  fp.relations.filter((r) => r.endsWith(' (r)')).map((r) => r.slice(0, -' (r)'.length));

/**
 * Migrates `url` with only the first `count` migrations known to TypeORM, so that one call
 * applies exactly one more. With 0 it only creates TypeORM's `migrations` table.
 */
async function migrateFirst(url: string, count: number): Promise<string[]> {
  const { options } = createDataSource({ url, poolSize: 1, applicationName: 'cp-test-steps' });
  const partial = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, count) });
  await partial.initialize();
  try {
    return await runMigrations(partial);
  } finally {
    await partial.destroy();
  }
}

/** Reverts the migrations applied after `name` (newest first), leaving `name` the newest. */
async function revertDownTo(dataSource: DataSource, name: string): Promise<void> {
  for (;;) {
    const applied = await appliedMigrations(dataSource);
    const newest = applied[applied.length - 1];
    if (newest === undefined || newest.startsWith(name)) {
      return;
    }
    await revertLastMigration(dataSource);
  }
}

/** The error `work` rejects with; fails when it resolves. */
async function rejectionOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (err) {
    if (err instanceof Error) {
      return err;
    }
    throw new Error(`rejected with a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection, but the promise resolved');
}

describe('migrations', () => {
  describe('MIGRATIONS', () => {
    it('lists every migration file of the folder, once each, in timestamp order', async () => {
      const entries = readdirSync(__dirname);
      const files = entries.filter((file) => MIGRATION_FILE.test(file)).sort();
      const misnamed = entries.filter(
        (file) => !MIGRATION_FILE.test(file) && file !== 'index.ts' && !file.endsWith('.test.ts'),
      );
      const exported = await Promise.all(
        files.map(async (file) => {
          const module = (await import(join(__dirname, file))) as Record<string, unknown>;
          const classes = Object.values(module).filter((value) => typeof value === 'function');
          return { file, classes };
        }),
      );

      expect(misnamed).toEqual([]);
      expect(exported.map((e) => e.classes.length)).toEqual(files.map(() => 1));
      expect(MIGRATIONS).toHaveLength(files.length);
      expect([...MIGRATIONS]).toEqual(exported.map((e) => e.classes[0]));
      // Each class carries its file's timestamp, so TypeORM orders them as the files sort.
      const stamps = files.map((file) => MIGRATION_FILE.exec(file)?.[1]);
      expect(MIGRATION_NAMES.map((name) => /\d{13}$/.exec(name)?.[0])).toEqual(stamps);
      expect(MIGRATIONS.map((Migration) => Migration.name)).toEqual(MIGRATION_NAMES);
    });
  });

  describe('round trip on an empty database', () => {
    let scratch: ScratchDatabase;
    let reference: ScratchDatabase;
    /** `built[k]`: the schema after applying the first k migrations one call at a time. */
    const built: SchemaFingerprint[] = [];
    /** `afterDown[k]`: the schema after reverting down to the first k migrations. */
    const afterDown: SchemaFingerprint[] = [];
    const reverted: (string | undefined)[] = [];
    let appliedFirst: string[];
    let appliedAfterFullRevert: string[];
    let appliedAgain: string[];
    let afterUp: SchemaFingerprint;
    let afterRoundTrip: SchemaFingerprint;

    beforeAll(async () => {
      [scratch, reference] = await Promise.all([
        createEmptyTestDatabase(),
        createEmptyTestDatabase(),
      ]);

      for (let count = 0; count <= MIGRATIONS.length; count++) {
        await migrateFirst(reference.url, count);
        built.push(await fingerprint(reference.dataSource));
      }

      appliedFirst = await runMigrations(scratch.dataSource);
      afterUp = await fingerprint(scratch.dataSource);
      afterDown[MIGRATIONS.length] = afterUp;
      for (let count = MIGRATIONS.length - 1; count >= 0; count--) {
        reverted.push(await revertLastMigration(scratch.dataSource));
        afterDown[count] = await fingerprint(scratch.dataSource);
      }
      reverted.push(await revertLastMigration(scratch.dataSource));
      appliedAfterFullRevert = await appliedMigrations(scratch.dataSource);
      appliedAgain = await runMigrations(scratch.dataSource);
      afterRoundTrip = await fingerprint(scratch.dataSource);
    });

    afterAll(async () => {
      await Promise.all([scratch?.drop(), reference?.drop()]);
    });

    it('applies every migration, in order', () => {
      expect(appliedFirst).toEqual(MIGRATION_NAMES);
    });

    it('builds the same schema in one run as one migration at a time', () => {
      expect(afterUp).toEqual(recorded(built, MIGRATIONS.length));
    });

    it('reverts one migration per call, newest first, then has nothing left to revert', () => {
      expect(reverted).toEqual([...[...MIGRATION_NAMES].reverse(), undefined]);
      expect(appliedAfterFullRevert).toEqual([]);
    });

    it('leaves no table but migrations once everything is reverted', () => {
      expect(tablesOf(recorded(afterDown, 0))).toEqual(['migrations']);
      expect(tablesOf(afterUp)).toEqual(
        expect.arrayContaining(['agent_runtime', 'runtime_profile', 'api_token', 'migrations']),
      );
    });

    it.each(MIGRATION_NAMES.map((name, index) => ({ name, index })))(
      'restores the schema of the migrations before $name when reverting it',
      ({ index }) => {
        expect(recorded(afterDown, index)).toEqual(recorded(built, index));
        expect(recorded(afterDown, index)).not.toEqual(recorded(built, index + 1));
      },
    );

    it('brings back the legacy provider key when reverting ProviderPartialUnique', () => {
      const before = recorded(afterDown, migrationIndex('ProviderPartialUnique') + 1);
      const after = recorded(afterDown, migrationIndex('ProviderPartialUnique'));

      expect(before.indexes[PARTIAL_PROVIDER_KEY]).toBe(
        `CREATE UNIQUE INDEX ${PARTIAL_PROVIDER_KEY} ON public.agent_runtime USING btree (workspace_id, daemon_id, provider) WHERE (profile_id IS NULL)`,
      );
      expect(before.constraints[`agent_runtime.${LEGACY_PROVIDER_KEY}`]).toBeUndefined();
      expect(after.constraints[`agent_runtime.${LEGACY_PROVIDER_KEY}`]).toBe(
        'u UNIQUE (workspace_id, daemon_id, provider)',
      );
      expect(after.indexes[PARTIAL_PROVIDER_KEY]).toBeUndefined();
      expect(after.indexes[PARTIAL_PROFILE_KEY]).toBeDefined();
    });

    it('drops runtime_profile and agent_runtime.profile_id when reverting RuntimeProfile', () => {
      const before = recorded(afterDown, migrationIndex('RuntimeProfile') + 1);
      const after = recorded(afterDown, migrationIndex('RuntimeProfile'));

      expect(tablesOf(before)).toContain('runtime_profile');
      expect(before.columns['agent_runtime.profile_id']).toBe('#16 uuid/uuid NULL DEFAULT -');
      expect(tablesOf(after)).not.toContain('runtime_profile');
      expect(after.columns['agent_runtime.profile_id']).toBeUndefined();
      expect(after.indexes[PARTIAL_PROFILE_KEY]).toBeUndefined();
      expect(after.constraints[`agent_runtime.${LEGACY_PROVIDER_KEY}`]).toBeDefined();
    });

    it('drops the deletion mark when reverting ProfileDeletionMark', () => {
      const before = recorded(afterDown, migrationIndex('ProfileDeletionMark') + 1);
      const after = recorded(afterDown, migrationIndex('ProfileDeletionMark'));

      expect(before.columns['runtime_profile.deletion_requested_at']).toBeDefined();
      expect(before.indexes['idx_runtime_profile_deletion_requested']).toBeDefined();
      expect(after.columns['runtime_profile.deletion_requested_at']).toBeUndefined();
      expect(after.indexes['idx_runtime_profile_deletion_requested']).toBeUndefined();
    });

    it('drops api_token and user.is_operator when reverting ApiTokens', () => {
      const before = recorded(afterDown, migrationIndex('ApiTokens') + 1);
      const after = recorded(afterDown, migrationIndex('ApiTokens'));

      expect(tablesOf(before)).toContain('api_token');
      expect(before.columns['user.is_operator']).toBe('#7 boolean/bool NOT NULL DEFAULT false');
      expect(tablesOf(after)).not.toContain('api_token');
      expect(after.columns['user.is_operator']).toBeUndefined();
    });

    it('rebuilds an identical schema after the full down and up round trip', () => {
      expect(appliedAgain).toEqual(MIGRATION_NAMES);
      expect(afterRoundTrip).toEqual(afterUp);
    });
  });

  describe('ProviderPartialUnique down', () => {
    const databases: TestDatabase[] = [];

    /** A clone of the migrated template, dropped after the block. */
    async function migratedDatabase(): Promise<TestDatabase> {
      const database = await createTestDatabase({ poolSize: 2 });
      databases.push(database);
      return database;
    }

    afterAll(async () => {
      await Promise.all(databases.map((database) => database.drop()));
    });

    /** A built-in and a custom `codex` row on one daemon. */
    async function insertClash(database: TestDatabase) {
      const workspace = await insertWorkspace(database.db);
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      const builtIn = await insertRuntime(database.db, workspace.id, { provider: 'codex' });
      const custom = await insertRuntime(database.db, workspace.id, {
        daemonId: builtIn.daemonId,
        provider: 'codex',
        profileId: profile.id,
      });
      return { workspace, builtIn, custom };
    }

    it('refuses, naming the workspace, daemon and provider, and leaves the schema unchanged', async () => {
      const database = await migratedDatabase();
      const { workspace, builtIn } = await insertClash(database);
      await revertDownTo(database.dataSource, 'ProviderPartialUnique');
      const before = await fingerprint(database.dataSource);

      const err = await rejectionOf(revertLastMigration(database.dataSource));

      expect(err.message).toContain('cannot revert ProviderPartialUnique');
      expect(err.message).toContain(
        `workspace ${workspace.id} daemon ${builtIn.daemonId} provider codex`,
      );
      expect(await fingerprint(database.dataSource)).toEqual(before);
      expect(before.indexes[PARTIAL_PROVIDER_KEY]).toBeDefined();
      expect((await appliedMigrations(database.dataSource)).at(-1)).toMatch(
        /^ProviderPartialUnique/,
      );
    });

    it('reverts once the custom row is deleted, keeping the built-in row', async () => {
      const database = await migratedDatabase();
      const { builtIn, custom } = await insertClash(database);
      await revertDownTo(database.dataSource, 'ProviderPartialUnique');
      await rejectionOf(revertLastMigration(database.dataSource));

      await database.dataSource.query('DELETE FROM agent_runtime WHERE id = $1', [custom.id]);
      const revertedName = await revertLastMigration(database.dataSource);

      expect(revertedName).toMatch(/^ProviderPartialUnique/);
      const after = await fingerprint(database.dataSource);
      expect(after.constraints[`agent_runtime.${LEGACY_PROVIDER_KEY}`]).toBe(
        'u UNIQUE (workspace_id, daemon_id, provider)',
      );
      expect(after.indexes[PARTIAL_PROVIDER_KEY]).toBeUndefined();
      expect(await database.db.runtimes.findById(builtIn.id)).toMatchObject({ id: builtIn.id });
    });

    it('reverts when the built-in and custom rows of a provider sit on different daemons', async () => {
      const database = await migratedDatabase();
      const workspace = await insertWorkspace(database.db);
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      await insertRuntime(database.db, workspace.id, { provider: 'codex' });
      await insertRuntime(database.db, workspace.id, { provider: 'codex', profileId: profile.id });
      await revertDownTo(database.dataSource, 'ProviderPartialUnique');

      await expect(revertLastMigration(database.dataSource)).resolves.toMatch(
        /^ProviderPartialUnique/,
      );
    });

    it('refuses, leaving the schema unchanged, when two custom rows of a provider share a daemon', async () => {
      const database = await migratedDatabase();
      const workspace = await insertWorkspace(database.db);
      const [first, second] = await Promise.all([
        insertRuntimeProfile(database.db, workspace.id),
        insertRuntimeProfile(database.db, workspace.id),
      ]);
      const daemonId = `daemon-${workspace.slug}`;
      await insertRuntime(database.db, workspace.id, { daemonId, profileId: first.id });
      await insertRuntime(database.db, workspace.id, { daemonId, profileId: second.id });
      await revertDownTo(database.dataSource, 'ProviderPartialUnique');
      const before = await fingerprint(database.dataSource);

      const err = await rejectionOf(revertLastMigration(database.dataSource));

      expect(err.message).toContain(`workspace ${workspace.id} daemon ${daemonId} provider codex`);
      expect(await fingerprint(database.dataSource)).toEqual(before);
      expect((await appliedMigrations(database.dataSource)).at(-1)).toMatch(
        /^ProviderPartialUnique/,
      );
    });

    it('reverts when a built-in and a custom row of a provider both have no daemon', async () => {
      const database = await migratedDatabase();
      const workspace = await insertWorkspace(database.db);
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      await insertRuntime(database.db, workspace.id, { daemonId: null });
      await insertRuntime(database.db, workspace.id, { daemonId: null, profileId: profile.id });
      await revertDownTo(database.dataSource, 'ProviderPartialUnique');

      await expect(revertLastMigration(database.dataSource)).resolves.toMatch(
        /^ProviderPartialUnique/,
      );
    });
  });

  describe('foreign keys', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase({ poolSize: 2 });
    });
    afterAll(async () => {
      await database?.drop();
    });

    /** The foreign keys declared on `table` (optionally only those on `column`). */
    async function foreignKeysOn(table: string, column?: string) {
      return database.dataSource.query<
        { name: string; columns: string[]; references: string; on_delete: string }[]
      >(
        `SELECT c.conname AS name,
           array(SELECT a.attname::text FROM unnest(c.conkey) AS k(attnum)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
           c.confrelid::regclass::text AS references,
           CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
             WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
           END AS on_delete
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid = $1::regclass
           AND ($2::text IS NULL OR EXISTS (
             SELECT 1 FROM unnest(c.conkey) AS k(attnum)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             WHERE a.attname = $2))
         ORDER BY c.conname`,
        [table, column ?? null],
      );
    }

    it.each([
      ['runtime_profile', 'workspace_id'],
      ['runtime_profile', 'created_by'],
      ['agent_runtime', 'profile_id'],
    ])('declares no foreign key on %s.%s', async (table, column) => {
      expect(await foreignKeysOn(table, column)).toEqual([]);
    });

    it('declares no foreign key on api_token, and none points at it or at runtime_profile', async () => {
      expect(await foreignKeysOn('api_token')).toEqual([]);
      const inbound = await database.dataSource.query<{ name: string }[]>(
        `SELECT conname AS name FROM pg_constraint
         WHERE contype = 'f' AND confrelid IN ('api_token'::regclass, 'runtime_profile'::regclass)`,
      );
      expect(inbound).toEqual([]);
    });

    it.each([
      ['agent', 'runtime_id', 'agent_runtime_id_fkey', 'agent_runtime', 'RESTRICT'],
      ['squad', 'leader_id', 'squad_leader_id_fkey', 'agent', 'RESTRICT'],
      [
        'agent_task_queue',
        'runtime_id',
        'agent_task_queue_runtime_id_fkey',
        'agent_runtime',
        'CASCADE',
      ],
      ['agent_task_queue', 'agent_id', 'agent_task_queue_agent_id_fkey', 'agent', 'CASCADE'],
      ['squad_member', 'squad_id', 'squad_member_squad_id_fkey', 'squad', 'CASCADE'],
      ['agent_runtime', 'workspace_id', 'agent_runtime_workspace_id_fkey', 'workspace', 'CASCADE'],
    ])(
      'keeps upstream foreign key %s.%s (%s) to %s with ON DELETE %s',
      async (table, column, name, references, onDelete) => {
        expect(await foreignKeysOn(table, column)).toEqual([
          { name, columns: [column], references, on_delete: onDelete },
        ]);
      },
    );
  });
});
