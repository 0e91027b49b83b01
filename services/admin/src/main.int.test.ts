import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { hashToken } from '@cp/db';
import { createTestDatabase, type TestDatabase, uniqueSuffix } from '@cp/testing';
import { z } from 'zod';

const ROOT = path.resolve(__dirname, '../../..');
const MAIN = path.join(ROOT, 'services/admin/dist/main.js');

let testDb: TestDatabase;

beforeAll(async () => {
  // The test runs the compiled CLI; build it (a no-op when dist is up to date).
  await promisify(execFile)(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-b', 'services/admin'],
    { cwd: ROOT },
  );
  testDb = await createTestDatabase({ poolSize: 2 });
}, 180_000);

afterAll(async () => {
  await testDb.drop();
});

/** Runs `node services/admin/dist/main.js ...args` with only DATABASE_URL in its environment. */
function runBuilt(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: { DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const CreatedWorkspace = z.strictObject({
  workspace_id: z.uuid(),
  user_id: z.uuid(),
  token: z.string().regex(/^mul_[\w-]{43}$/),
});

describe('admin CLI (built, as a child process)', () => {
  it('creates a workspace and prints JSON', async () => {
    const email = `e2e-${uniqueSuffix()}@example.test`;

    const sut = await runBuilt(
      ['create-workspace', '--name', 'E2E', '--owner-email', email, '--json'],
      testDb.url,
    );

    expect(sut).toMatchObject({ code: 0, stderr: '' });
    const created = CreatedWorkspace.parse(JSON.parse(sut.stdout));
    expect(await testDb.db.members.findRole(created.workspace_id, created.user_id)).toBe('owner');
    expect(await testDb.db.tokens.findByHash(hashToken(created.token))).toMatchObject({
      kind: 'pat',
      userId: created.user_id,
    });
  });

  it('exits 2 with one line on bad arguments', async () => {
    const sut = await runBuilt(['create-token', '--user', 'nope'], testDb.url);

    expect(sut).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: option '--user' must be a UUID (got "nope")\n`,
    });
  });

  it('exits 1 with one line naming the URL when Postgres is unreachable', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/postgres';

    const sut = await runBuilt(['seed-demo', '--json'], url);

    expect(sut.code).toBe(1);
    expect(sut.stdout).toBe('');
    expect(sut.stderr).toMatch(/^error: cannot reach Postgres at [^\n]+\n$/);
    expect(sut.stderr).toContain(url);
    expect(sut.stderr).toContain('DATABASE_URL');
  });
});
