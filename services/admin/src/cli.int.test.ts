import { randomUUID } from 'node:crypto';
import { type Db, hashToken } from '@cp/db';
import { unreachable } from '@cp/platform';
import {
  createTestDatabase,
  insertMember,
  insertUser,
  insertWorkspace,
  type TestDatabase,
  uniqueSuffix,
} from '@cp/testing';
import { z } from 'zod';
import { ALREADY_SEEDED_MESSAGE, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCli } from './cli';

// The printed JSON, exactly: strict objects fail on an extra or a missing key.
const Pat = z.string().regex(/^mul_[\w-]{43}$/);
const DaemonToken = z.string().regex(/^mdt_[\w-]{43}$/);
const CreatedWorkspace = z.strictObject({ workspace_id: z.uuid(), user_id: z.uuid(), token: Pat });
const AddedMember = z.strictObject({ user_id: z.uuid(), token: Pat });
const IssuedPat = z.strictObject({ token: Pat });
const IssuedDaemonToken = z.strictObject({ token: DaemonToken });
const GrantedOperator = z.strictObject({ user_id: z.uuid() });
const DemoSeed = CreatedWorkspace.extend({ daemon_token: DaemonToken });
const AlreadySeeded = z.strictObject({ seeded: z.literal(false), message: z.string() });
const ONE_ERROR_LINE = /^error: [^\n]+\n$/;

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb.drop();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Whether the command connected to the database. */
  connected: boolean;
}

/** Runs one command line against `db`, capturing its output. */
async function run(args: string[], db: Db = testDb.db): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let connected = false;
  const code = await runCli(args, {
    output: {
      out: (text) => {
        stdout += text;
      },
      err: (text) => {
        stderr += text;
      },
    },
    openDb: () => {
      connected = true;
      return Promise.resolve(db);
    },
  });
  return { code, stdout, stderr, connected };
}

/** The JSON a successful `--json` run printed on one line, parsed with `schema`. */
function jsonOf<S extends z.ZodType>(result: CliRun, schema: S): z.output<S> {
  expect(result).toMatchObject({ code: EXIT_OK, stderr: '' });
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  return schema.parse(JSON.parse(result.stdout));
}

const emailOf = (label: string): string => `${label}-${uniqueSuffix()}@example.test`;

describe('admin CLI', () => {
  describe('create-workspace', () => {
    it('prints the ids and the token as JSON', async () => {
      const email = emailOf('cli-owner');

      const sut = jsonOf(
        await run(['create-workspace', '--name', 'CLI Acme', '--owner-email', email, '--json']),
        CreatedWorkspace,
      );

      expect(await testDb.db.members.findRole(sut.workspace_id, sut.user_id)).toBe('owner');
      expect((await testDb.db.users.findById(sut.user_id))?.email).toBe(email);
      expect((await testDb.db.tokens.findByHash(hashToken(sut.token)))?.userId).toBe(sut.user_id);
    });

    it('prints key: value lines without --json', async () => {
      const sut = await run(['create-workspace', '--name', 'Lines', '--owner-email', emailOf('l')]);

      expect(sut.code).toBe(EXIT_OK);
      expect(sut.stdout).toMatch(
        /^workspace_id: [0-9a-f-]{36}\nuser_id: [0-9a-f-]{36}\ntoken: mul_[\w-]{43}\n$/,
      );
    });

    it('matches an existing user by email case-insensitively', async () => {
      const user = await insertUser(testDb.db);

      const sut = jsonOf(
        await run([
          'create-workspace',
          '--name',
          'Case',
          '--owner-email',
          ` ${user.email.toUpperCase()} `,
          '--json',
        ]),
        CreatedWorkspace,
      );

      expect(sut.user_id).toBe(user.id);
    });
  });

  describe('add-member', () => {
    it('adds the user with the role and prints a token', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const email = emailOf('cli-member');

      const sut = jsonOf(
        await run([
          'add-member',
          '--workspace',
          workspace.id,
          '--email',
          email,
          '--role',
          'admin',
          '--json',
        ]),
        AddedMember,
      );

      expect(await testDb.db.members.findRole(workspace.id, sut.user_id)).toBe('admin');
    });
  });

  describe('create-token', () => {
    it('prints a personal token', async () => {
      const user = await insertUser(testDb.db);

      const sut = jsonOf(await run(['create-token', '--user', user.id, '--json']), IssuedPat);

      expect(await testDb.db.tokens.findByHash(hashToken(sut.token))).toMatchObject({
        kind: 'pat',
        userId: user.id,
      });
    });
  });

  describe('create-daemon-token', () => {
    it('prints a daemon token, for a member when given --user', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const { user } = await insertMember(testDb.db, workspace.id);

      const sut = jsonOf(
        await run([
          'create-daemon-token',
          '--workspace',
          workspace.id,
          '--user',
          user.id,
          '--json',
        ]),
        IssuedDaemonToken,
      );

      expect(await testDb.db.tokens.findByHash(hashToken(sut.token))).toMatchObject({
        kind: 'daemon',
        workspaceId: workspace.id,
        userId: user.id,
      });
    });
  });

  describe('grant-operator', () => {
    it('marks the user as operator', async () => {
      const user = await insertUser(testDb.db);

      const sut = jsonOf(
        await run(['grant-operator', '--user', user.id, '--json']),
        GrantedOperator,
      );

      expect(sut).toEqual({ user_id: user.id });
      expect((await testDb.db.users.findById(user.id))?.isOperator).toBe(true);
    });
  });

  describe('seed-demo', () => {
    it('seeds an empty database and says the tokens are shown once', async () => {
      const empty = await createTestDatabase({ poolSize: 2 });
      try {
        const sut = await run(['seed-demo'], empty.db);
        const again = await run(['seed-demo'], empty.db);

        expect(sut.code).toBe(EXIT_OK);
        expect(sut.stdout).toContain('Seeded the demo workspace "Demo"');
        expect(sut.stdout).toMatch(/^workspace_id: [0-9a-f-]{36}$/m);
        expect(sut.stdout).toMatch(/^user_id: [0-9a-f-]{36}$/m);
        expect(sut.stdout).toMatch(/^token: mul_[\w-]{43}$/m);
        expect(sut.stdout).toMatch(/^daemon_token: mdt_[\w-]{43}$/m);
        expect(sut.stdout).toContain('shown once');
        expect(again).toMatchObject({ code: EXIT_OK, stdout: `${ALREADY_SEEDED_MESSAGE}\n` });
      } finally {
        await empty.drop();
      }
    });

    it('prints the seed as JSON', async () => {
      const empty = await createTestDatabase({ poolSize: 2 });
      try {
        const sut = jsonOf(await run(['seed-demo', '--json'], empty.db), DemoSeed);

        expect(await empty.db.members.findRole(sut.workspace_id, sut.user_id)).toBe('owner');
        expect(await empty.db.tokens.findByHash(hashToken(sut.daemon_token))).toMatchObject({
          kind: 'daemon',
          workspaceId: sut.workspace_id,
        });
      } finally {
        await empty.drop();
      }
    });

    it('prints one line and exits 0 when workspaces exist', async () => {
      await insertWorkspace(testDb.db);

      const sut = await run(['seed-demo']);
      const asJson = jsonOf(await run(['seed-demo', '--json']), AlreadySeeded);

      expect(sut).toMatchObject({ code: EXIT_OK, stderr: '' });
      expect(sut.stdout).toBe(`${ALREADY_SEEDED_MESSAGE}\n`);
      expect(sut.stdout).toContain('npm run admin -- create-token');
      expect(asJson).toEqual({ seeded: false, message: ALREADY_SEEDED_MESSAGE });
    });
  });

  describe('bad arguments', () => {
    const missing = randomUUID();

    it.each([
      [
        'a missing option',
        ['create-workspace', '--name', 'X'],
        "error: required option '--owner-email <email>' not specified",
      ],
      [
        'an invalid email',
        ['create-workspace', '--name', 'X', '--owner-email', 'not-an-email'],
        `error: option '--owner-email' must be a valid email address (got "not-an-email")`,
      ],
      [
        'an empty workspace name',
        ['create-workspace', '--name', '  ', '--owner-email', 'a@example.test'],
        `error: option '--name' must not be empty (got "  ")`,
      ],
      [
        'a bad role',
        ['add-member', '--workspace', missing, '--email', 'a@example.test', '--role', 'boss'],
        `error: option '--role' must be one of owner, admin, member (got "boss")`,
      ],
      [
        'a malformed workspace UUID',
        ['create-daemon-token', '--workspace', 'ws-1'],
        `error: option '--workspace' must be a UUID (got "ws-1")`,
      ],
      [
        'a malformed user UUID',
        ['create-token', '--user', '42'],
        `error: option '--user' must be a UUID (got "42")`,
      ],
      ['an unknown command', ['drop-everything'], "error: unknown command 'drop-everything'"],
      [
        'an extra argument',
        ['grant-operator', '--user', missing, 'now'],
        "error: too many arguments for 'grant-operator'. Expected 0 arguments but got 1.",
      ],
    ])('rejects %s before connecting', async (_case, args, message) => {
      const sut = await run(args);

      expect(sut).toEqual({
        code: EXIT_USAGE,
        stdout: '',
        stderr: `${message}\n`,
        connected: false,
      });
    });

    it.each([
      [
        'an unknown workspace',
        ['add-member', '--workspace', missing, '--email', 'a@example.test', '--role', 'member'],
        `error: workspace ${missing} not found`,
      ],
      ['an unknown user', ['create-token', '--user', missing], `error: user ${missing} not found`],
      [
        'an unknown operator',
        ['grant-operator', '--user', missing],
        `error: user ${missing} not found`,
      ],
      [
        'an unknown daemon-token workspace',
        ['create-daemon-token', '--workspace', missing],
        `error: workspace ${missing} not found`,
      ],
    ])('rejects %s', async (_case, args, message) => {
      const sut = await run(args);

      expect(sut).toMatchObject({ code: EXIT_USAGE, stdout: '', stderr: `${message}\n` });
    });

    it('rejects a daemon-token user who is not a member, issuing nothing', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const outsider = await insertUser(testDb.db);

      const sut = await run([
        'create-daemon-token',
        '--workspace',
        workspace.id,
        '--user',
        outsider.id,
      ]);

      expect(sut).toMatchObject({
        code: EXIT_USAGE,
        stdout: '',
        stderr: `error: user ${outsider.id} is not a member of workspace ${workspace.id}\n`,
      });
      const rows: unknown[] = await testDb.dataSource.query(
        'SELECT 1 FROM api_token WHERE workspace_id = $1',
        [workspace.id],
      );
      expect(rows).toHaveLength(0);
    });
  });

  describe('failures', () => {
    it('reports an unreachable database in one line with exit code 1', async () => {
      const url = 'postgres://postgres@127.0.0.1:1/postgres';
      let stderr = '';

      const code = await runCli(['create-token', '--user', randomUUID()], {
        output: {
          out: () => undefined,
          err: (text) => {
            stderr += text;
          },
        },
        openDb: () => Promise.reject(unreachable('Postgres', url, new Error('refused'))),
      });

      expect(code).toBe(EXIT_FAILURE);
      expect(stderr).toMatch(ONE_ERROR_LINE);
      expect(stderr).toContain(`cannot reach Postgres at ${url}`);
    });

    it('reports an unexpected error in one line with exit code 1', async () => {
      const workspace = await insertWorkspace(testDb.db);
      const broken: Db = {
        ...testDb.db,
        transaction: () => Promise.reject(new Error('connection terminated\nunexpectedly')),
      };

      const sut = await run(['create-daemon-token', '--workspace', workspace.id], broken);

      expect(sut).toMatchObject({
        code: EXIT_FAILURE,
        stdout: '',
        stderr: 'error: connection terminated unexpectedly\n',
      });
    });

    it('prints help on --help and exits 0', async () => {
      const sut = await run(['--help']);

      expect(sut.code).toBe(EXIT_OK);
      expect(sut.stdout).toContain('create-daemon-token');
      expect(sut.connected).toBe(false);
    });
  });
});
