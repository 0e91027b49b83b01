import {
  type DomainEvent,
  type EventType,
  MESSAGES,
  PROFILE_LIMITS,
  PROFILE_MESSAGES,
  RuntimeProfileJson,
  RuntimeProfileList,
  toTimestamp,
} from '@cp/contracts';
import type { RuntimeProfile } from '@cp/db';
import { createLogger } from '@cp/platform';
import { EventStream, type OutboxRelay, startOutboxRelay } from '@cp/queue';
import {
  createTestDatabase,
  createTestQueuePrefix,
  createTestRedis,
  insertMember,
  insertRuntimeProfile,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  uniqueSuffix,
} from '@cp/testing';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { buildTestApp, errorOf } from '../test-support';

describe('runtime profile routes', () => {
  let database: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let stream: EventStream;
  let relay: OutboxRelay;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis('producer');
    prefix = createTestQueuePrefix();
    stream = new EventStream(redis, prefix);
    relay = startOutboxRelay({
      source: database.db.outbox,
      stream,
      log: createLogger('test', 'silent'),
    });
    app = buildTestApp(database.db, { relay });
  });

  afterAll(async () => {
    await relay?.stop();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  /** A workspace with an owner, an admin and a plain member, each with a personal token. */
  async function insertTeam() {
    const { db } = database;
    const workspace = await insertWorkspace(db);
    const owner = await insertMember(db, workspace.id, 'owner');
    const admin = await insertMember(db, workspace.id, 'admin');
    const member = await insertMember(db, workspace.id, 'member');
    const url = `/api/workspaces/${workspace.id}/runtime-profiles`;
    return { workspace, owner, admin, member, url };
  }

  /** A valid create body with a unique display name. */
  const createBody = (over: Record<string, unknown> = {}) => ({
    display_name: `Company Codex ${uniqueSuffix()}`,
    protocol_family: 'codex',
    command_name: 'company-codex',
    ...over,
  });

  const profilesIn = (workspaceId: string) => database.db.profiles.listInWorkspace(workspaceId);

  /** The stored profile; fails when it is not there. */
  async function storedProfile(workspaceId: string, profileId: string): Promise<RuntimeProfile> {
    const profile = await database.db.profiles.findInWorkspace(workspaceId, profileId);
    if (!profile) {
      throw new Error(`profile ${profileId} is not stored`);
    }
    return profile;
  }

  /** Sets a profile column directly (timestamps, the deletion mark). */
  async function setColumn(profileId: string, column: string, sqlValue: string): Promise<void> {
    await database.dataSource.query(
      `UPDATE runtime_profile SET ${column} = ${sqlValue} WHERE id = $1`,
      [profileId],
    );
  }

  /** Every event published on this file's stream, once the relay has drained the outbox. */
  async function publishedEvents(): Promise<DomainEvent[]> {
    await relay.drain();
    return (await stream.readAfter('0', 10_000)).map(({ event }) => event);
  }

  /** The published events of one profile, oldest first. */
  async function eventsOf(profileId: string): Promise<DomainEvent[]> {
    return (await publishedEvents()).filter((event) => event.data.runtime_profile_id === profileId);
  }

  /** The published events of one workspace, oldest first. */
  async function eventsIn(workspaceId: string): Promise<DomainEvent[]> {
    return (await publishedEvents()).filter((event) => event.workspace_id === workspaceId);
  }

  const eventTypes = async (profileId: string): Promise<EventType[]> =>
    (await eventsOf(profileId)).map((event) => event.type);

  describe('GET /api/workspaces/:workspaceId/runtime-profiles', () => {
    it('lists every profile of the workspace, enabled or not, oldest first', async () => {
      const { workspace, member, url } = await insertTeam();
      const newer = await insertRuntimeProfile(database.db, workspace.id);
      const older = await insertRuntimeProfile(database.db, workspace.id, {
        enabled: false,
        fixedArgs: ['--a'],
        description: 'older',
      });
      await setColumn(older.id, 'created_at', `now() - interval '1 hour'`);

      const res = await request(app).get(url).auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      const body = RuntimeProfileList.parse(res.body);
      expect(body.runtime_profiles.map((p) => p.id)).toEqual([older.id, newer.id]);
      expect(body.runtime_profiles[0]).toMatchObject({
        workspace_id: workspace.id,
        display_name: older.displayName,
        protocol_family: 'codex',
        command_name: 'company-codex',
        description: 'older',
        fixed_args: ['--a'],
        visibility: 'workspace',
        created_by: null,
        enabled: false,
        status: 'active',
      });
    });

    it('answers an empty list for a workspace without profiles', async () => {
      const { member, url } = await insertTeam();

      const res = await request(app).get(url).auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(RuntimeProfileList.parse(res.body)).toEqual({ runtime_profiles: [] });
    });

    it('shows a profile whose deletion is pending as deleting', async () => {
      const { workspace, member, url } = await insertTeam();
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      await setColumn(profile.id, 'deletion_requested_at', 'now()');

      const res = await request(app).get(url).auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(RuntimeProfileList.parse(res.body).runtime_profiles).toEqual([
        expect.objectContaining({ id: profile.id, status: 'deleting' }),
      ]);
    });

    it("never lists another workspace's profiles", async () => {
      const mine = await insertTeam();
      const theirs = await insertTeam();
      const own = await insertRuntimeProfile(database.db, mine.workspace.id);
      await insertRuntimeProfile(database.db, theirs.workspace.id);

      const res = await request(app).get(mine.url).auth(mine.owner.token, { type: 'bearer' });

      expect(RuntimeProfileList.parse(res.body).runtime_profiles.map((p) => p.id)).toEqual([
        own.id,
      ]);
    });

    it('answers 404 workspace not found to a non-member', async () => {
      const { url } = await insertTeam();
      const outsider = await insertTeam();

      const res = await request(app).get(url).auth(outsider.owner.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'WORKSPACE_NOT_FOUND',
        error: MESSAGES.workspaceNotFound,
      });
    });
  });

  describe('GET /api/workspaces/:workspaceId/runtime-profiles/:profileId', () => {
    it('answers the profile to a plain member', async () => {
      const { workspace, member, url } = await insertTeam();
      const profile = await insertRuntimeProfile(database.db, workspace.id, {
        fixedArgs: ['--model', 'o3'],
      });

      const res = await request(app)
        .get(`${url}/${profile.id}`)
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      const stored = await storedProfile(workspace.id, profile.id);
      expect(RuntimeProfileJson.parse(res.body)).toEqual({
        id: profile.id,
        workspace_id: workspace.id,
        display_name: profile.displayName,
        protocol_family: 'codex',
        command_name: 'company-codex',
        description: null,
        fixed_args: ['--model', 'o3'],
        visibility: 'workspace',
        created_by: null,
        enabled: true,
        status: 'active',
        created_at: toTimestamp(stored.createdAt),
        updated_at: toTimestamp(stored.updatedAt),
      });
    });

    it('reads stored fixed_args that are not an array of strings as []', async () => {
      const { workspace, member, url } = await insertTeam();
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      await setColumn(profile.id, 'fixed_args', `'{"a": 1}'::jsonb`);

      const res = await request(app)
        .get(`${url}/${profile.id}`)
        .auth(member.token, { type: 'bearer' });

      expect(RuntimeProfileJson.parse(res.body).fixed_args).toEqual([]);
    });

    it('accepts the profile id in upper case', async () => {
      const { workspace, member, url } = await insertTeam();
      const profile = await insertRuntimeProfile(database.db, workspace.id);

      const res = await request(app)
        .get(`${url}/${profile.id.toUpperCase()}`)
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(RuntimeProfileJson.parse(res.body).id).toBe(profile.id);
    });

    it.each([['not-a-uuid'], ['%20' + '0'.repeat(8) + '-0000-4000-8000-' + '0'.repeat(12)]])(
      'answers 400 invalid profile id for %j',
      async (profileId) => {
        const { member, url } = await insertTeam();

        const res = await request(app)
          .get(`${url}/${profileId}`)
          .auth(member.token, { type: 'bearer' });

        expect(errorOf(res)).toMatchObject({
          status: 400,
          code: 'VALIDATION_FAILED',
          error: MESSAGES.invalidProfileId,
        });
      },
    );

    it('answers 404 runtime profile not found for a missing profile', async () => {
      const { member, url } = await insertTeam();

      const res = await request(app)
        .get(`${url}/00000000-0000-4000-8000-000000000000`)
        .auth(member.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'PROFILE_NOT_FOUND',
        error: MESSAGES.profileNotFound,
      });
    });

    it("answers 404 for another workspace's profile", async () => {
      const mine = await insertTeam();
      const theirs = await insertTeam();
      const foreign = await insertRuntimeProfile(database.db, theirs.workspace.id);

      const res = await request(app)
        .get(`${mine.url}/${foreign.id}`)
        .auth(mine.owner.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'PROFILE_NOT_FOUND',
        error: MESSAGES.profileNotFound,
      });
    });
  });

  describe('visibility of a private profile (list and get)', () => {
    type Viewer = 'creator' | 'other member' | 'admin' | 'owner';

    it.each<[Viewer, boolean]>([
      ['creator', true],
      ['other member', false],
      ['admin', true],
      ['owner', true],
    ])('%s: sees it = %s', async (viewer, sees) => {
      const team = await insertTeam();
      const creator = await insertMember(database.db, team.workspace.id, 'member');
      const tokens: Record<Viewer, string> = {
        creator: creator.token,
        'other member': team.member.token,
        admin: team.admin.token,
        owner: team.owner.token,
      };
      const shared = await insertRuntimeProfile(database.db, team.workspace.id, {
        createdBy: creator.user.id,
      });
      const hidden = await insertRuntimeProfile(database.db, team.workspace.id, {
        createdBy: creator.user.id,
        visibility: 'private',
      });
      const token = tokens[viewer];

      const list = await request(app).get(team.url).auth(token, { type: 'bearer' });
      const get = await request(app)
        .get(`${team.url}/${hidden.id}`)
        .auth(token, { type: 'bearer' });

      const listed = RuntimeProfileList.parse(list.body).runtime_profiles.map((p) => p.id);
      if (sees) {
        expect(listed.sort()).toEqual([shared.id, hidden.id].sort());
        expect(get.status).toBe(200);
        expect(RuntimeProfileJson.parse(get.body)).toMatchObject({
          id: hidden.id,
          visibility: 'private',
          created_by: creator.user.id,
        });
      } else {
        expect(listed).toEqual([shared.id]);
        expect(errorOf(get)).toEqual({
          status: 404,
          code: 'PROFILE_NOT_FOUND',
          error: MESSAGES.profileNotFound,
        });
      }
    });

    it('shows a private profile without a creator to owners and admins only', async () => {
      const { workspace, owner, admin, member, url } = await insertTeam();
      const orphan = await insertRuntimeProfile(database.db, workspace.id, {
        visibility: 'private',
        createdBy: null,
      });

      const byRole = await Promise.all(
        [owner, admin, member].map((viewer) =>
          request(app).get(`${url}/${orphan.id}`).auth(viewer.token, { type: 'bearer' }),
        ),
      );

      expect(byRole.map((res) => res.status)).toEqual([200, 200, 404]);
    });
  });

  describe('POST /api/workspaces/:workspaceId/runtime-profiles', () => {
    it('creates the profile as the caller, trimmed, with defaults, and answers 201', async () => {
      const { workspace, owner, url } = await insertTeam();
      const name = `Company Codex ${uniqueSuffix()}`;

      const res = await request(app)
        .post(url)
        .auth(owner.token, { type: 'bearer' })
        .send({
          display_name: `  ${name}\t`,
          protocol_family: ' codex ',
          command_name: ' company-codex ',
          description: '  spaced  ',
          fixed_args: [' --flag ', 'value'],
        });

      expect(res.status).toBe(201);
      const body = RuntimeProfileJson.parse(res.body);
      const stored = await storedProfile(workspace.id, body.id);
      expect(body).toEqual({
        id: stored.id,
        workspace_id: workspace.id,
        display_name: name,
        protocol_family: 'codex',
        command_name: 'company-codex',
        description: '  spaced  ',
        fixed_args: [' --flag ', 'value'],
        visibility: 'workspace',
        created_by: owner.user.id,
        enabled: true,
        status: 'active',
        created_at: toTimestamp(stored.createdAt),
        updated_at: toTimestamp(stored.updatedAt),
      });
      expect(stored).toMatchObject({
        displayName: name,
        createdBy: owner.user.id,
        description: '  spaced  ',
        fixedArgs: [' --flag ', 'value'],
        deletionRequestedAt: null,
      });
    });

    it('lets an admin create, storing null fields as absent and enabled false as given', async () => {
      const { workspace, admin, url } = await insertTeam();

      const res = await request(app)
        .post(url)
        .auth(admin.token, { type: 'bearer' })
        .send(
          createBody({
            description: null,
            fixed_args: null,
            visibility: '',
            enabled: false,
          }),
        );

      expect(res.status).toBe(201);
      expect(RuntimeProfileJson.parse(res.body)).toMatchObject({
        workspace_id: workspace.id,
        description: null,
        fixed_args: [],
        visibility: 'workspace',
        enabled: false,
        created_by: admin.user.id,
      });
    });

    it('creates a private profile when asked', async () => {
      const { owner, url } = await insertTeam();

      const res = await request(app)
        .post(url)
        .auth(owner.token, { type: 'bearer' })
        .send(createBody({ visibility: ' private ' }));

      expect(res.status).toBe(201);
      expect(RuntimeProfileJson.parse(res.body).visibility).toBe('private');
    });

    it('ignores unknown fields and any attempt to set server-owned ones', async () => {
      const { workspace, owner, url } = await insertTeam();
      const other = await insertWorkspace(database.db);

      const res = await request(app)
        .post(url)
        .auth(owner.token, { type: 'bearer' })
        .send(
          createBody({
            id: '00000000-0000-4000-8000-000000000000',
            workspace_id: other.id,
            created_by: '00000000-0000-4000-8000-000000000001',
            status: 'deleting',
            surprise: true,
          }),
        );

      expect(res.status).toBe(201);
      const body = RuntimeProfileJson.parse(res.body);
      expect(body.id).not.toBe('00000000-0000-4000-8000-000000000000');
      expect(body).toMatchObject({
        workspace_id: workspace.id,
        created_by: owner.user.id,
        status: 'active',
      });
    });

    it('publishes runtime_profile.created with the member as actor', async () => {
      const { workspace, owner, url } = await insertTeam();

      const res = await request(app)
        .post(url)
        .auth(owner.token, { type: 'bearer' })
        .send(createBody());

      const { id } = RuntimeProfileJson.parse(res.body);
      const published = await eventsOf(id);
      expect(published).toEqual([
        expect.objectContaining({
          type: 'runtime_profile.created',
          workspace_id: workspace.id,
          actor: { type: 'member', id: owner.user.id },
          data: { runtime_profile_id: id },
        }),
      ]);
      expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual(
        published.map((event) => ({ ...event, published: true })),
      );
    });

    describe('validation', () => {
      it.each<[string, Record<string, unknown>, string]>([
        ['an empty display_name', { display_name: '' }, MESSAGES.displayNameRequired],
        ['a blank display_name', { display_name: '   ' }, MESSAGES.displayNameRequired],
        ['a missing display_name', { display_name: undefined }, MESSAGES.displayNameRequired],
        ['a null display_name', { display_name: null }, MESSAGES.displayNameRequired],
        [
          'a capitalised protocol_family',
          { protocol_family: 'Codex' },
          MESSAGES.unsupportedProtocolFamily,
        ],
        [
          'an unknown protocol_family',
          { protocol_family: 'qoder' },
          MESSAGES.unsupportedProtocolFamily,
        ],
        [
          'a missing protocol_family',
          { protocol_family: undefined },
          MESSAGES.unsupportedProtocolFamily,
        ],
        ['an empty command_name', { command_name: '' }, MESSAGES.commandNameRequired],
        ['a blank command_name', { command_name: ' ' }, MESSAGES.commandNameRequired],
        [
          'a command_name with arguments',
          { command_name: 'codex --fast' },
          MESSAGES.commandNameSingleToken,
        ],
        [
          'a command_name with a NUL byte',
          { command_name: 'codex\u0000' },
          PROFILE_MESSAGES.commandNameNul,
        ],
        [
          'a command_name past the limit',
          { command_name: 'c'.repeat(PROFILE_LIMITS.commandName + 1) },
          PROFILE_MESSAGES.commandNameTooLong,
        ],
        ['an unknown visibility', { visibility: 'public' }, MESSAGES.visibilityInvalid],
        ['an empty fixed_args entry', { fixed_args: ['--a', ''] }, MESSAGES.fixedArgsEntryEmpty],
        ['a blank fixed_args entry', { fixed_args: [' \t'] }, MESSAGES.fixedArgsEntryEmpty],
        [
          'a NUL byte in a fixed_args entry',
          { fixed_args: ['--a\u0000b'] },
          PROFILE_MESSAGES.fixedArgNul,
        ],
        [
          'too many fixed_args',
          { fixed_args: Array.from({ length: PROFILE_LIMITS.fixedArgs + 1 }, (_, i) => `-${i}`) },
          PROFILE_MESSAGES.tooManyFixedArgs,
        ],
        [
          'a fixed_args entry past the limit',
          { fixed_args: ['a'.repeat(PROFILE_LIMITS.fixedArg + 1)] },
          PROFILE_MESSAGES.fixedArgTooLong,
        ],
        [
          'a display_name past the limit',
          { display_name: 'd'.repeat(PROFILE_LIMITS.displayName + 1) },
          PROFILE_MESSAGES.displayNameTooLong,
        ],
        [
          'a description past the limit',
          { description: 'd'.repeat(PROFILE_LIMITS.description + 1) },
          PROFILE_MESSAGES.descriptionTooLong,
        ],
        ['a number inside fixed_args', { fixed_args: ['--a', 2] }, MESSAGES.invalidRequestBody],
        ['a string enabled', { enabled: 'true' }, MESSAGES.invalidRequestBody],
        ['a number display_name', { display_name: 1 }, MESSAGES.invalidRequestBody],
      ])('answers 400 for %s and writes nothing', async (_label, over, message) => {
        const { workspace, owner, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody(over));

        expect(errorOf(res)).toEqual({
          status: 400,
          code: 'VALIDATION_FAILED',
          error: message,
          details: [expect.objectContaining({ message })],
        });
        expect(await profilesIn(workspace.id)).toEqual([]);
      });

      it('accepts every field at its limit', async () => {
        const { owner, url } = await insertTeam();
        const body = createBody({
          display_name: `${uniqueSuffix()}${'d'.repeat(PROFILE_LIMITS.displayName - 8)}`,
          command_name: 'c'.repeat(PROFILE_LIMITS.commandName),
          description: 'd'.repeat(PROFILE_LIMITS.description),
          fixed_args: Array.from({ length: PROFILE_LIMITS.fixedArgs }, () =>
            'a'.repeat(PROFILE_LIMITS.fixedArg),
          ),
        });

        const res = await request(app).post(url).auth(owner.token, { type: 'bearer' }).send(body);

        expect(res.status).toBe(201);
        expect(RuntimeProfileJson.parse(res.body).fixed_args).toHaveLength(
          PROFILE_LIMITS.fixedArgs,
        );
      });

      it("answers the first failure in upstream's order and lists every failure", async () => {
        const { owner, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send({
            display_name: '',
            protocol_family: 'Claude',
            command_name: '',
            visibility: 'team',
            fixed_args: [''],
          });

        expect(errorOf(res)).toEqual({
          status: 400,
          code: 'VALIDATION_FAILED',
          error: MESSAGES.displayNameRequired,
          details: [
            { path: 'display_name', message: MESSAGES.displayNameRequired },
            { path: 'protocol_family', message: MESSAGES.unsupportedProtocolFamily },
            { path: 'command_name', message: MESSAGES.commandNameRequired },
            { path: 'visibility', message: MESSAGES.visibilityInvalid },
            { path: 'fixed_args.0', message: MESSAGES.fixedArgsEntryEmpty },
          ],
        });
      });

      it('answers 400 invalid request body to malformed JSON', async () => {
        const { workspace, owner, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .set('Content-Type', 'application/json')
          .send('{"display_name": "x",');

        expect(errorOf(res)).toEqual({
          status: 400,
          code: 'VALIDATION_FAILED',
          error: MESSAGES.invalidRequestBody,
        });
        expect(await profilesIn(workspace.id)).toEqual([]);
      });

      it.each([
        ['an empty JSON body', 'application/json', ''],
        ['a JSON array', 'application/json', '[]'],
        ['a JSON string', 'application/json', '"profile"'],
        ['a body that is not JSON', 'text/plain', 'display_name=x'],
      ])('answers 400 invalid request body to %s', async (_label, contentType, payload) => {
        const { workspace, owner, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .set('Content-Type', contentType)
          .send(payload);

        expect(errorOf(res)).toMatchObject({
          status: 400,
          code: 'VALIDATION_FAILED',
          error: MESSAGES.invalidRequestBody,
        });
        expect(await profilesIn(workspace.id)).toEqual([]);
      });

      it('answers 413 to a body over 256 KiB and writes nothing', async () => {
        const { workspace, owner, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody({ description: 'x'.repeat(257 * 1024) }));

        expect(errorOf(res)).toEqual({
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
          error: MESSAGES.payloadTooLarge,
        });
        expect(await profilesIn(workspace.id)).toEqual([]);
      });
    });

    describe('display_name uniqueness', () => {
      it('answers 409 to a display_name the workspace already has, after trimming', async () => {
        const { workspace, owner, url } = await insertTeam();
        const existing = await insertRuntimeProfile(database.db, workspace.id);

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody({ display_name: ` ${existing.displayName} ` }));

        expect(errorOf(res)).toEqual({
          status: 409,
          code: 'DISPLAY_NAME_TAKEN',
          error: MESSAGES.displayNameTaken,
        });
        expect((await profilesIn(workspace.id)).map((p) => p.id)).toEqual([existing.id]);
      });

      it('compares display names case-sensitively', async () => {
        const { workspace, owner, url } = await insertTeam();
        const name = `Codex ${uniqueSuffix()}`;

        const upper = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody({ display_name: name.toUpperCase() }));
        const lower = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody({ display_name: name.toLowerCase() }));

        expect([upper.status, lower.status]).toEqual([201, 201]);
        expect(await profilesIn(workspace.id)).toHaveLength(2);
      });

      it('allows the same display_name in another workspace', async () => {
        const theirs = await insertTeam();
        const existing = await insertRuntimeProfile(database.db, theirs.workspace.id);
        const { owner, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody({ display_name: existing.displayName }));

        expect(res.status).toBe(201);
        RuntimeProfileJson.parse(res.body);
      });

      it('publishes nothing for a refused create', async () => {
        const { workspace, owner, url } = await insertTeam();
        const existing = await insertRuntimeProfile(database.db, workspace.id);
        const before = await eventsIn(workspace.id);

        const res = await request(app)
          .post(url)
          .auth(owner.token, { type: 'bearer' })
          .send(createBody({ display_name: existing.displayName }));

        expect(res.status).toBe(409);
        expect(await eventsIn(workspace.id)).toEqual(before);
        expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([]);
      });
    });

    describe('authorization', () => {
      it('answers 403 to a plain member and writes nothing', async () => {
        const { workspace, member, url } = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(member.token, { type: 'bearer' })
          .send(createBody());

        expect(errorOf(res)).toEqual({
          status: 403,
          code: 'FORBIDDEN',
          error: MESSAGES.insufficientPermissions,
        });
        expect(await profilesIn(workspace.id)).toEqual([]);
      });

      it('answers 403 to a plain member before validating the body', async () => {
        const { member, url } = await insertTeam();

        const invalid = await request(app)
          .post(url)
          .auth(member.token, { type: 'bearer' })
          .send({ display_name: '', fixed_args: [1] });
        const malformed = await request(app)
          .post(url)
          .auth(member.token, { type: 'bearer' })
          .set('Content-Type', 'application/json')
          .send('{not json');

        expect(errorOf(invalid)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
        expect(errorOf(malformed)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      });

      it('answers 404 workspace not found to an owner of another workspace', async () => {
        const { workspace, url } = await insertTeam();
        const outsider = await insertTeam();

        const res = await request(app)
          .post(url)
          .auth(outsider.owner.token, { type: 'bearer' })
          .send(createBody());

        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'WORKSPACE_NOT_FOUND',
          error: MESSAGES.workspaceNotFound,
        });
        expect(await profilesIn(workspace.id)).toEqual([]);
      });
    });
  });

  describe.each(['patch', 'put'] as const)(
    '%s /api/workspaces/:workspaceId/runtime-profiles/:profileId',
    (method) => {
      const update = (path: string, token: string) =>
        request(app)[method](path).auth(token, { type: 'bearer' });

      it('changes only the fields given, trimmed as upstream trims', async () => {
        const { workspace, admin, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id, {
          description: 'before',
          fixedArgs: ['--old'],
        });
        const name = `Renamed ${uniqueSuffix()}`;

        const res = await update(`${url}/${profile.id}`, admin.token).send({
          display_name: `  ${name} `,
          command_name: ' new-codex ',
          fixed_args: [' --new '],
        });

        expect(res.status).toBe(200);
        expect(RuntimeProfileJson.parse(res.body)).toMatchObject({
          id: profile.id,
          display_name: name,
          command_name: 'new-codex',
          fixed_args: [' --new '],
          description: 'before',
          visibility: 'workspace',
          enabled: true,
          protocol_family: 'codex',
        });
        expect(await database.db.profiles.findInWorkspace(workspace.id, profile.id)).toMatchObject({
          displayName: name,
          commandName: 'new-codex',
          fixedArgs: [' --new '],
        });
      });

      it('sets description, visibility and enabled, and clears fixed_args with []', async () => {
        const { workspace, owner, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id, {
          description: 'before',
          fixedArgs: ['--old'],
        });

        const res = await update(`${url}/${profile.id}`, owner.token).send({
          description: '',
          visibility: ' private ',
          enabled: false,
          fixed_args: [],
        });

        expect(res.status).toBe(200);
        expect(RuntimeProfileJson.parse(res.body)).toMatchObject({
          description: '',
          visibility: 'private',
          enabled: false,
          fixed_args: [],
        });
      });

      it('leaves null fields unchanged', async () => {
        const { workspace, owner, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id, {
          description: 'kept',
          fixedArgs: ['--kept'],
          enabled: false,
        });

        const res = await update(`${url}/${profile.id}`, owner.token).send({
          display_name: null,
          command_name: null,
          description: null,
          fixed_args: null,
          visibility: null,
          enabled: null,
        });

        expect(res.status).toBe(200);
        expect(RuntimeProfileJson.parse(res.body)).toMatchObject({
          display_name: profile.displayName,
          command_name: profile.commandName,
          description: 'kept',
          fixed_args: ['--kept'],
          visibility: 'workspace',
          enabled: false,
        });
      });

      it('silently ignores protocol_family', async () => {
        const { workspace, owner, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id);

        const res = await update(`${url}/${profile.id}`, owner.token).send({
          protocol_family: 'claude',
        });

        expect(res.status).toBe(200);
        expect(RuntimeProfileJson.parse(res.body).protocol_family).toBe('codex');
        expect(
          (await database.db.profiles.findInWorkspace(workspace.id, profile.id))?.protocolFamily,
        ).toBe('codex');
      });

      it('bumps updated_at for an empty object and publishes runtime_profile.updated', async () => {
        const { workspace, owner, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id);
        await setColumn(profile.id, 'updated_at', `now() - interval '1 hour'`);
        const before = await storedProfile(workspace.id, profile.id);

        const res = await update(`${url}/${profile.id}`, owner.token).send({});

        expect(res.status).toBe(200);
        const body = RuntimeProfileJson.parse(res.body);
        expect(Date.parse(body.updated_at)).toBeGreaterThan(before.updatedAt.getTime());
        expect(body.created_at).toBe(toTimestamp(before.createdAt));
        expect((await storedProfile(workspace.id, profile.id)).updatedAt.getTime()).toBeGreaterThan(
          before.updatedAt.getTime(),
        );
        expect(await eventsOf(profile.id)).toEqual([
          expect.objectContaining({
            type: 'runtime_profile.updated',
            workspace_id: workspace.id,
            actor: { type: 'member', id: owner.user.id },
            data: { runtime_profile_id: profile.id },
          }),
        ]);
      });

      it('keeps created_by as the creator, not the editor', async () => {
        const { workspace, owner, admin, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id, {
          createdBy: owner.user.id,
        });

        const res = await update(`${url}/${profile.id}`, admin.token).send({ enabled: false });

        expect(RuntimeProfileJson.parse(res.body).created_by).toBe(owner.user.id);
      });

      describe('validation', () => {
        it.each<[string, Record<string, unknown>, string]>([
          ['an empty display_name', { display_name: '' }, MESSAGES.displayNameEmpty],
          ['a blank display_name', { display_name: '  ' }, MESSAGES.displayNameEmpty],
          ['an empty command_name', { command_name: '' }, MESSAGES.commandNameEmpty],
          ['a blank command_name', { command_name: '\t' }, MESSAGES.commandNameEmpty],
          [
            'a command_name with arguments',
            { command_name: 'codex exec' },
            MESSAGES.commandNameSingleToken,
          ],
          [
            'a command_name with a NUL byte',
            { command_name: '\u0000codex' },
            PROFILE_MESSAGES.commandNameNul,
          ],
          ['an empty visibility', { visibility: '' }, MESSAGES.visibilityInvalid],
          ['an unknown visibility', { visibility: 'public' }, MESSAGES.visibilityInvalid],
          ['an empty fixed_args entry', { fixed_args: [''] }, MESSAGES.fixedArgsEntryEmpty],
          [
            'a NUL byte in a fixed_args entry',
            { fixed_args: ['\u0000'] },
            PROFILE_MESSAGES.fixedArgNul,
          ],
          [
            'a display_name past the limit',
            { display_name: 'd'.repeat(PROFILE_LIMITS.displayName + 1) },
            PROFILE_MESSAGES.displayNameTooLong,
          ],
          [
            'a description past the limit',
            { description: 'd'.repeat(PROFILE_LIMITS.description + 1) },
            PROFILE_MESSAGES.descriptionTooLong,
          ],
          ['a number inside fixed_args', { fixed_args: [1] }, MESSAGES.invalidRequestBody],
          ['a string enabled', { enabled: 'false' }, MESSAGES.invalidRequestBody],
        ])('answers 400 for %s and changes nothing', async (_label, body, message) => {
          const { workspace, owner, url } = await insertTeam();
          const profile = await insertRuntimeProfile(database.db, workspace.id);

          const res = await update(`${url}/${profile.id}`, owner.token).send(body);

          expect(errorOf(res)).toEqual({
            status: 400,
            code: 'VALIDATION_FAILED',
            error: message,
            details: [expect.objectContaining({ message })],
          });
          expect(await database.db.profiles.findInWorkspace(workspace.id, profile.id)).toEqual(
            profile,
          );
          expect(await eventsOf(profile.id)).toEqual([]);
        });

        it.each([
          ['no body', undefined, undefined],
          ['an empty JSON body', 'application/json', ''],
          ['malformed JSON', 'application/json', '{"enabled": fals'],
          ['a JSON array', 'application/json', '[{"enabled": false}]'],
          ['a body that is not JSON', 'text/plain', 'enabled=false'],
        ])('answers 400 invalid request body to %s', async (_label, contentType, payload) => {
          const { workspace, owner, url } = await insertTeam();
          const profile = await insertRuntimeProfile(database.db, workspace.id);
          let req = update(`${url}/${profile.id}`, owner.token);
          if (contentType !== undefined) {
            req = req.set('Content-Type', contentType).send(payload);
          }

          const res = await req;

          expect(errorOf(res)).toMatchObject({
            status: 400,
            code: 'VALIDATION_FAILED',
            error: MESSAGES.invalidRequestBody,
          });
          expect(await database.db.profiles.findInWorkspace(workspace.id, profile.id)).toEqual(
            profile,
          );
        });

        it('validates the body before looking the profile up', async () => {
          const { owner, url } = await insertTeam();

          const res = await update(`${url}/00000000-0000-4000-8000-000000000000`, owner.token).send(
            { display_name: '' },
          );

          expect(errorOf(res)).toMatchObject({ status: 400, error: MESSAGES.displayNameEmpty });
        });

        it('answers 400 invalid profile id before validating the body', async () => {
          const { owner, url } = await insertTeam();

          const res = await update(`${url}/not-a-uuid`, owner.token).send({ display_name: '' });

          expect(errorOf(res)).toMatchObject({ status: 400, error: MESSAGES.invalidProfileId });
        });

        it('answers 413 to a body over 256 KiB', async () => {
          const { workspace, owner, url } = await insertTeam();
          const profile = await insertRuntimeProfile(database.db, workspace.id);

          const res = await update(`${url}/${profile.id}`, owner.token).send({
            description: 'x'.repeat(257 * 1024),
          });

          expect(errorOf(res)).toEqual({
            status: 413,
            code: 'PAYLOAD_TOO_LARGE',
            error: MESSAGES.payloadTooLarge,
          });
        });
      });

      it('answers 404 runtime profile not found for a missing profile', async () => {
        const { owner, url } = await insertTeam();

        const res = await update(`${url}/00000000-0000-4000-8000-000000000000`, owner.token).send({
          enabled: false,
        });

        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'PROFILE_NOT_FOUND',
          error: MESSAGES.profileNotFound,
        });
      });

      it("answers 404 for another workspace's profile and leaves it alone", async () => {
        const mine = await insertTeam();
        const theirs = await insertTeam();
        const foreign = await insertRuntimeProfile(database.db, theirs.workspace.id);

        const res = await update(`${mine.url}/${foreign.id}`, mine.owner.token).send({
          enabled: false,
        });

        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'PROFILE_NOT_FOUND',
          error: MESSAGES.profileNotFound,
        });
        expect(await database.db.profiles.findInWorkspace(theirs.workspace.id, foreign.id)).toEqual(
          foreign,
        );
        expect(await database.db.outbox.listForWorkspace(theirs.workspace.id)).toEqual([]);
      });

      it('answers 409 when renaming to a display_name the workspace already has', async () => {
        const { workspace, owner, url } = await insertTeam();
        const taken = await insertRuntimeProfile(database.db, workspace.id);
        const profile = await insertRuntimeProfile(database.db, workspace.id);

        const res = await update(`${url}/${profile.id}`, owner.token).send({
          display_name: `${taken.displayName} `,
        });

        expect(errorOf(res)).toEqual({
          status: 409,
          code: 'DISPLAY_NAME_TAKEN',
          error: MESSAGES.displayNameTaken,
        });
        expect(
          (await database.db.profiles.findInWorkspace(workspace.id, profile.id))?.displayName,
        ).toBe(profile.displayName);
        expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([]);
      });

      it('allows a rename that differs only in case', async () => {
        const { workspace, owner, url } = await insertTeam();
        const taken = await insertRuntimeProfile(database.db, workspace.id, {
          displayName: `X ${uniqueSuffix()}`,
        });
        const profile = await insertRuntimeProfile(database.db, workspace.id);

        const res = await update(`${url}/${profile.id}`, owner.token).send({
          display_name: taken.displayName.toLowerCase(),
        });

        expect(res.status).toBe(200);
        expect(RuntimeProfileJson.parse(res.body).display_name).toBe(
          taken.displayName.toLowerCase(),
        );
      });

      it('allows keeping its own display_name', async () => {
        const { workspace, owner, url } = await insertTeam();
        const profile = await insertRuntimeProfile(database.db, workspace.id);

        const res = await update(`${url}/${profile.id}`, owner.token).send({
          display_name: profile.displayName,
        });

        expect(res.status).toBe(200);
        RuntimeProfileJson.parse(res.body);
      });

      describe('authorization', () => {
        it('answers 403 to a plain member and changes nothing', async () => {
          const { workspace, member, url } = await insertTeam();
          const profile = await insertRuntimeProfile(database.db, workspace.id);

          const res = await update(`${url}/${profile.id}`, member.token).send({ enabled: false });

          expect(errorOf(res)).toEqual({
            status: 403,
            code: 'FORBIDDEN',
            error: MESSAGES.insufficientPermissions,
          });
          expect(await database.db.profiles.findInWorkspace(workspace.id, profile.id)).toEqual(
            profile,
          );
        });

        it.each<[string, string, string | Record<string, unknown>]>([
          ['a missing profile', '00000000-0000-4000-8000-000000000000', { enabled: false }],
          [
            'a missing profile and an invalid body',
            '00000000-0000-4000-8000-000000000000',
            {
              display_name: '',
            },
          ],
          ['a malformed profile id', 'not-a-uuid', { enabled: false }],
          ['malformed JSON', '00000000-0000-4000-8000-000000000000', '{oops'],
        ])('answers 403 to a plain member even for %s', async (_label, profileId, body) => {
          const { member, url } = await insertTeam();
          let req = update(`${url}/${profileId}`, member.token);
          if (typeof body === 'string') {
            req = req.set('Content-Type', 'application/json');
          }

          const res = await req.send(body);

          expect(errorOf(res)).toEqual({
            status: 403,
            code: 'FORBIDDEN',
            error: MESSAGES.insufficientPermissions,
          });
        });

        it('answers 404 workspace not found to a non-member', async () => {
          const { workspace, url } = await insertTeam();
          const outsider = await insertTeam();
          const profile = await insertRuntimeProfile(database.db, workspace.id);

          const res = await update(`${url}/${profile.id}`, outsider.owner.token).send({
            enabled: false,
          });

          expect(errorOf(res)).toEqual({
            status: 404,
            code: 'WORKSPACE_NOT_FOUND',
            error: MESSAGES.workspaceNotFound,
          });
        });
      });
    },
  );

  it('answers PUT exactly like PATCH: a partial update', async () => {
    const { workspace, owner, url } = await insertTeam();
    const patched = await insertRuntimeProfile(database.db, workspace.id, {
      description: 'same',
      fixedArgs: ['--same'],
    });
    const put = await insertRuntimeProfile(database.db, workspace.id, {
      description: 'same',
      fixedArgs: ['--same'],
    });
    const body = { enabled: false, protocol_family: 'claude' };

    const viaPatch = await request(app)
      .patch(`${url}/${patched.id}`)
      .auth(owner.token, { type: 'bearer' })
      .send(body);
    const viaPut = await request(app)
      .put(`${url}/${put.id}`)
      .auth(owner.token, { type: 'bearer' })
      .send(body);

    const strip = ({
      id: _id,
      display_name: _name,
      created_at: _c,
      updated_at: _u,
      ...rest
    }: RuntimeProfileJson) => rest;
    expect([viaPatch.status, viaPut.status]).toEqual([200, 200]);
    expect(strip(RuntimeProfileJson.parse(viaPut.body))).toEqual(
      strip(RuntimeProfileJson.parse(viaPatch.body)),
    );
    expect(strip(RuntimeProfileJson.parse(viaPut.body))).toMatchObject({
      enabled: false,
      description: 'same',
      fixed_args: ['--same'],
      protocol_family: 'codex',
    });
    expect(await eventTypes(put.id)).toEqual(['runtime_profile.updated']);
  });
});
