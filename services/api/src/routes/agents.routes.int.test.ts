import { randomUUID } from 'node:crypto';
import {
  AGENT_LIMITS,
  AgentJson,
  AutopilotJson,
  MESSAGES,
  SquadJson,
  toTimestamp,
} from '@cp/contracts';
import {
  createTestDatabase,
  insertAgent,
  insertMember,
  insertRuntime,
  insertSquad,
  insertWorkspace,
  type TestDatabase,
  uniqueSuffix,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp, errorOf } from '../test-support';

describe('agent, squad and autopilot routes', () => {
  let database: TestDatabase;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = buildTestApp(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  /** A workspace with an owner and a plain member (each with a token) and one runtime. */
  async function insertTeam() {
    const { db } = database;
    const workspace = await insertWorkspace(db);
    const owner = await insertMember(db, workspace.id, 'owner');
    const member = await insertMember(db, workspace.id, 'member');
    const runtime = await insertRuntime(db, workspace.id);
    const url = `/api/workspaces/${workspace.id}`;
    return { workspace, owner, member, runtime, url };
  }

  const post = (path: string, token: string, body?: unknown) => {
    const req = request(app).post(path).auth(token, { type: 'bearer' });
    return body === undefined ? req : req.send(body as object);
  };

  const agentName = () => `agent-${uniqueSuffix()}`;
  const missing = () => randomUUID();

  /** Sets an agent or squad column directly (timestamps). */
  async function setColumn(
    table: 'agent' | 'squad',
    id: string,
    column: string,
    sqlValue: string,
  ): Promise<void> {
    await database.dataSource.query(`UPDATE ${table} SET ${column} = ${sqlValue} WHERE id = $1`, [
      id,
    ]);
  }

  async function storedAgent(agentId: string) {
    const agent = await database.db.agents.findById(agentId);
    if (!agent) {
      throw new Error(`agent ${agentId} is not stored`);
    }
    return agent;
  }

  describe('POST /api/workspaces/:workspaceId/agents', () => {
    it('creates an agent on a runtime of the workspace for a plain member', async () => {
      const { workspace, member, url } = await insertTeam();
      const runtime = await insertRuntime(database.db, workspace.id, { runtimeMode: 'cloud' });
      const name = agentName();

      const res = await post(`${url}/agents`, member.token, {
        name: `  ${name}  `,
        runtime_id: runtime.id.toUpperCase(),
      });

      expect(res.status).toBe(201);
      const body = AgentJson.parse(res.body);
      expect(body).toMatchObject({
        workspace_id: workspace.id,
        name,
        description: '',
        runtime_mode: 'cloud',
        runtime_id: runtime.id,
        visibility: 'private',
        status: 'offline',
        owner_id: member.user.id,
        custom_args: [],
        archived_at: null,
        archived_by: null,
      });
      expect(await storedAgent(body.id)).toMatchObject({
        workspaceId: workspace.id,
        name,
        runtimeId: runtime.id,
        runtimeMode: 'cloud',
        ownerId: member.user.id,
        archivedAt: null,
      });
    });

    it('takes a description and workspace visibility', async () => {
      const { member, runtime, url } = await insertTeam();

      const res = await post(`${url}/agents`, member.token, {
        name: agentName(),
        runtime_id: runtime.id,
        description: 'reviews pull requests',
        visibility: 'workspace',
      });

      expect(res.status).toBe(201);
      expect(AgentJson.parse(res.body)).toMatchObject({
        description: 'reviews pull requests',
        visibility: 'workspace',
        runtime_mode: 'local',
      });
    });

    it('answers 400 name is required for a missing or blank name, listing every issue', async () => {
      const { member, url } = await insertTeam();

      const blank = await post(`${url}/agents`, member.token, { name: '   ' });

      expect(errorOf(blank)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: MESSAGES.nameRequired,
        details: [
          { path: 'name', message: MESSAGES.nameRequired },
          { path: 'runtime_id', message: MESSAGES.runtimeIdRequired },
        ],
      });
      const absent = await post(`${url}/agents`, member.token, { runtime_id: missing() });
      expect(errorOf(absent)).toMatchObject({ status: 400, error: MESSAGES.nameRequired });
    });

    it.each([
      ['a missing runtime_id', { runtime_id: undefined }, MESSAGES.runtimeIdRequired],
      ['an empty runtime_id', { runtime_id: '' }, MESSAGES.runtimeIdRequired],
      [
        'a runtime_id with spaces around it',
        { runtime_id: ` ${missing()} ` },
        MESSAGES.invalidRuntimeId,
      ],
      ['a malformed runtime_id', { runtime_id: 'nope' }, MESSAGES.invalidRuntimeId],
      ['an unknown visibility', { visibility: 'public' }, MESSAGES.visibilityInvalid],
      [
        'a name over the limit',
        { name: 'n'.repeat(AGENT_LIMITS.agentName + 1) },
        MESSAGES.tooLong('name', AGENT_LIMITS.agentName),
      ],
      [
        'a description over the limit',
        { description: 'd'.repeat(AGENT_LIMITS.agentDescription + 1) },
        MESSAGES.tooLong('description', AGENT_LIMITS.agentDescription),
      ],
      ['a NUL byte in the name', { name: 'a\u0000b' }, MESSAGES.nulBytes('name')],
      ['a name that is not a string', { name: 5 }, MESSAGES.invalidRequestBody],
      ['a body that is not an object', [], MESSAGES.invalidRequestBody],
    ])('answers 400 for %s', async (_case, over, message) => {
      const { member, runtime, url } = await insertTeam();
      const body = Array.isArray(over)
        ? over
        : { name: agentName(), runtime_id: runtime.id, ...over };

      const res = await post(`${url}/agents`, member.token, body);

      expect(errorOf(res)).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: message,
      });
      expect(
        await database.dataSource.query(`SELECT id FROM agent WHERE runtime_id = $1`, [runtime.id]),
      ).toEqual([]);
    });

    it('answers 400 invalid request body for malformed JSON and for no body', async () => {
      const { member, url } = await insertTeam();

      const malformed = await request(app)
        .post(`${url}/agents`)
        .auth(member.token, { type: 'bearer' })
        .set('Content-Type', 'application/json')
        .send('{"name":');
      const empty = await post(`${url}/agents`, member.token);

      for (const res of [malformed, empty]) {
        expect(errorOf(res)).toMatchObject({
          status: 400,
          code: 'VALIDATION_FAILED',
          error: MESSAGES.invalidRequestBody,
        });
      }
    });

    it("answers 404 runtime not found for an unknown runtime and another workspace's", async () => {
      const { member, url } = await insertTeam();
      const theirs = await insertTeam();

      for (const runtimeId of [missing(), theirs.runtime.id]) {
        const res = await post(`${url}/agents`, member.token, {
          name: agentName(),
          runtime_id: runtimeId,
        });
        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'RUNTIME_NOT_FOUND',
          error: MESSAGES.runtimeNotFound,
        });
      }
      expect(
        await database.dataSource.query(`SELECT id FROM agent WHERE runtime_id = $1`, [
          theirs.runtime.id,
        ]),
      ).toEqual([]);
    });

    it('answers 409 for a name the workspace already has (after trimming), and allows it elsewhere', async () => {
      const { workspace, member, owner, runtime, url } = await insertTeam();
      const other = await insertTeam();
      const name = agentName();
      const first = await post(`${url}/agents`, member.token, { name, runtime_id: runtime.id });
      expect(first.status).toBe(201);

      const again = await post(`${url}/agents`, owner.token, {
        name: ` ${name} `,
        runtime_id: runtime.id,
      });
      const elsewhere = await post(`${other.url}/agents`, other.member.token, {
        name,
        runtime_id: other.runtime.id,
      });

      expect(errorOf(again)).toEqual({
        status: 409,
        code: 'AGENT_NAME_TAKEN',
        error: MESSAGES.agentNameTaken,
      });
      expect(elsewhere.status).toBe(201);
      expect(
        await database.dataSource.query(
          `SELECT count(*)::int AS n FROM agent WHERE workspace_id = $1 AND name = $2`,
          [workspace.id, name],
        ),
      ).toEqual([{ n: 1 }]);
    });

    it('answers 404 workspace not found to a non-member before reading the body', async () => {
      const { url } = await insertTeam();
      const outsider = await insertTeam();

      const res = await request(app)
        .post(`${url}/agents`)
        .auth(outsider.owner.token, { type: 'bearer' })
        .set('Content-Type', 'application/json')
        .send('{"name":');

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'WORKSPACE_NOT_FOUND',
        error: MESSAGES.workspaceNotFound,
      });
    });

    it('answers 401 without a token', async () => {
      const { runtime, url } = await insertTeam();

      const res = await request(app)
        .post(`${url}/agents`)
        .send({ name: agentName(), runtime_id: runtime.id });

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.missingAuthorization,
      });
    });
  });

  describe('POST /api/workspaces/:workspaceId/agents/:agentId/archive', () => {
    it('archives the agent, recording who and when', async () => {
      const { workspace, member, runtime, url } = await insertTeam();
      const agent = await insertAgent(database.db, workspace.id, runtime.id);

      const res = await post(`${url}/agents/${agent.id}/archive`, member.token);

      expect(res.status).toBe(200);
      const body = AgentJson.parse(res.body);
      expect(body).toMatchObject({ id: agent.id, archived_by: member.user.id });
      expect(body.archived_at).not.toBeNull();
      const stored = await storedAgent(agent.id);
      expect(stored.archivedBy).toBe(member.user.id);
      expect(stored.archivedAt).not.toBeNull();
    });

    it('keeps the first archive when the agent is archived again', async () => {
      const { workspace, member, owner, runtime, url } = await insertTeam();
      const agent = await insertAgent(database.db, workspace.id, runtime.id);
      await post(`${url}/agents/${agent.id}/archive`, member.token);
      const firstArchive = '2026-01-01T00:00:00Z';
      await setColumn('agent', agent.id, 'archived_at', `'${firstArchive}'`);

      const again = await post(`${url}/agents/${agent.id}/archive`, owner.token);

      expect(again.status).toBe(200);
      expect(AgentJson.parse(again.body)).toMatchObject({
        archived_at: firstArchive,
        archived_by: member.user.id,
      });
      expect(toTimestamp((await storedAgent(agent.id)).archivedAt ?? new Date(0))).toBe(
        firstArchive,
      );
    });

    it("answers 404 agent not found for an unknown agent and another workspace's, leaving it active", async () => {
      const { member, url } = await insertTeam();
      const theirs = await insertTeam();
      const foreign = await insertAgent(database.db, theirs.workspace.id, theirs.runtime.id);

      for (const agentId of [missing(), foreign.id]) {
        const res = await post(`${url}/agents/${agentId}/archive`, member.token);
        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'AGENT_NOT_FOUND',
          error: MESSAGES.agentNotFound,
        });
      }
      expect((await storedAgent(foreign.id)).archivedAt).toBeNull();
    });

    it('answers 400 invalid agent id for a malformed id', async () => {
      const { member, url } = await insertTeam();

      const res = await post(`${url}/agents/nope/archive`, member.token);

      expect(errorOf(res)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: MESSAGES.invalidAgentId,
        details: [{ path: 'agentId', message: MESSAGES.invalidAgentId }],
      });
    });
  });

  describe('POST /api/workspaces/:workspaceId/agents/:agentId/restore', () => {
    it('restores an archived agent, and restoring an active one changes nothing', async () => {
      const { workspace, member, owner, runtime, url } = await insertTeam();
      const agent = await insertAgent(database.db, workspace.id, runtime.id, {
        archivedAt: new Date(),
        archivedBy: owner.user.id,
      });

      const restored = await post(`${url}/agents/${agent.id}/restore`, member.token);
      const again = await post(`${url}/agents/${agent.id}/restore`, member.token);

      for (const res of [restored, again]) {
        expect(res.status).toBe(200);
        expect(AgentJson.parse(res.body)).toMatchObject({
          id: agent.id,
          archived_at: null,
          archived_by: null,
        });
      }
      expect(await storedAgent(agent.id)).toMatchObject({ archivedAt: null, archivedBy: null });
    });

    it("answers 404 agent not found for another workspace's agent and 400 for a malformed id", async () => {
      const { member, url } = await insertTeam();
      const theirs = await insertTeam();
      const foreign = await insertAgent(database.db, theirs.workspace.id, theirs.runtime.id, {
        archivedAt: new Date(),
      });

      const notFound = await post(`${url}/agents/${foreign.id}/restore`, member.token);
      const invalid = await post(`${url}/agents/nope/restore`, member.token);

      expect(errorOf(notFound)).toEqual({
        status: 404,
        code: 'AGENT_NOT_FOUND',
        error: MESSAGES.agentNotFound,
      });
      expect(errorOf(invalid)).toMatchObject({ status: 400, error: MESSAGES.invalidAgentId });
      expect((await storedAgent(foreign.id)).archivedAt).not.toBeNull();
    });
  });

  describe('POST /api/workspaces/:workspaceId/squads', () => {
    it('creates a squad led by an agent of the workspace, with the leader as a member', async () => {
      const { workspace, member, runtime, url } = await insertTeam();
      const leader = await insertAgent(database.db, workspace.id, runtime.id);
      const name = `squad-${uniqueSuffix()}`;

      const res = await post(`${url}/squads`, member.token, {
        name: ` ${name} `,
        leader_id: leader.id,
      });

      expect(res.status).toBe(201);
      const body = SquadJson.parse(res.body);
      expect(body).toMatchObject({
        workspace_id: workspace.id,
        name,
        description: '',
        leader_id: leader.id,
        creator_id: member.user.id,
        archived_at: null,
        archived_by: null,
      });
      expect(await database.db.agents.listSquadMembers(body.id)).toEqual([
        expect.objectContaining({ memberType: 'agent', memberId: leader.id, role: 'leader' }),
      ]);
    });

    it('accepts an archived leader and a description', async () => {
      const { workspace, member, runtime, url } = await insertTeam();
      const leader = await insertAgent(database.db, workspace.id, runtime.id, {
        archivedAt: new Date(),
      });

      const res = await post(`${url}/squads`, member.token, {
        name: `squad-${uniqueSuffix()}`,
        leader_id: leader.id,
        description: 'on call',
      });

      expect(res.status).toBe(201);
      expect(SquadJson.parse(res.body)).toMatchObject({
        leader_id: leader.id,
        description: 'on call',
      });
    });

    it.each([
      ['a missing name', { name: undefined }, MESSAGES.nameRequired],
      ['a missing leader_id', { leader_id: undefined }, MESSAGES.leaderIdRequired],
      ['a malformed leader_id', { leader_id: 'nope' }, MESSAGES.invalidLeaderId],
      [
        'a name over the limit',
        { name: 's'.repeat(AGENT_LIMITS.squadName + 1) },
        MESSAGES.tooLong('name', AGENT_LIMITS.squadName),
      ],
      ['a description that is not a string', { description: [] }, MESSAGES.invalidRequestBody],
    ])('answers 400 for %s', async (_case, over, message) => {
      const { member, url } = await insertTeam();

      const res = await post(`${url}/squads`, member.token, {
        name: `squad-${uniqueSuffix()}`,
        leader_id: missing(),
        ...over,
      });

      expect(errorOf(res)).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: message,
      });
    });

    it("answers 404 agent not found for an unknown leader and another workspace's agent", async () => {
      const { workspace, member, url } = await insertTeam();
      const theirs = await insertTeam();
      const foreign = await insertAgent(database.db, theirs.workspace.id, theirs.runtime.id);

      for (const leaderId of [missing(), foreign.id]) {
        const res = await post(`${url}/squads`, member.token, {
          name: `squad-${uniqueSuffix()}`,
          leader_id: leaderId,
        });
        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'AGENT_NOT_FOUND',
          error: MESSAGES.agentNotFound,
        });
      }
      expect(
        await database.dataSource.query(`SELECT id FROM squad WHERE workspace_id = $1`, [
          workspace.id,
        ]),
      ).toEqual([]);
    });
  });

  describe('POST /api/workspaces/:workspaceId/squads/:squadId/archive', () => {
    it('archives the squad and keeps the first archive when archived again', async () => {
      const { workspace, owner, member, runtime, url } = await insertTeam();
      const leader = await insertAgent(database.db, workspace.id, runtime.id);
      const squad = await insertSquad(database.db, workspace.id, leader.id, owner.user.id);

      const first = await post(`${url}/squads/${squad.id}/archive`, member.token);

      expect(first.status).toBe(200);
      const archived = SquadJson.parse(first.body);
      expect(archived).toMatchObject({ id: squad.id, archived_by: member.user.id });
      expect(archived.archived_at).not.toBeNull();
      const firstArchive = '2026-01-01T00:00:00Z';
      await setColumn('squad', squad.id, 'archived_at', `'${firstArchive}'`);

      const again = await post(`${url}/squads/${squad.id}/archive`, owner.token);

      expect(again.status).toBe(200);
      expect(SquadJson.parse(again.body)).toMatchObject({
        archived_at: firstArchive,
        archived_by: member.user.id,
      });
      const stored = await database.db.agents.findSquadInWorkspace(workspace.id, squad.id);
      expect(stored?.archivedBy).toBe(member.user.id);
    });

    it("answers 404 squad not found for an unknown squad and another workspace's, 400 for a malformed id", async () => {
      const { member, url } = await insertTeam();
      const theirs = await insertTeam();
      const leader = await insertAgent(database.db, theirs.workspace.id, theirs.runtime.id);
      const foreign = await insertSquad(
        database.db,
        theirs.workspace.id,
        leader.id,
        theirs.owner.user.id,
      );

      for (const squadId of [missing(), foreign.id]) {
        const res = await post(`${url}/squads/${squadId}/archive`, member.token);
        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'SQUAD_NOT_FOUND',
          error: MESSAGES.squadNotFound,
        });
      }
      const invalid = await post(`${url}/squads/nope/archive`, member.token);
      expect(errorOf(invalid)).toMatchObject({ status: 400, error: MESSAGES.invalidSquadId });
      const stored = await database.db.agents.findSquadInWorkspace(theirs.workspace.id, foreign.id);
      expect(stored?.archivedAt).toBeNull();
    });
  });

  describe('POST /api/workspaces/:workspaceId/autopilots', () => {
    it('creates an autopilot assigned to an agent by default, created by the member', async () => {
      const { workspace, member, runtime, url } = await insertTeam();
      const agent = await insertAgent(database.db, workspace.id, runtime.id);

      const res = await post(`${url}/autopilots`, member.token, {
        title: '  nightly triage  ',
        assignee_id: agent.id,
      });

      expect(res.status).toBe(201);
      const body = AutopilotJson.parse(res.body);
      expect(body).toMatchObject({
        workspace_id: workspace.id,
        title: 'nightly triage',
        description: null,
        assignee_type: 'agent',
        assignee_id: agent.id,
        status: 'active',
      });
      expect(
        await database.db.agents.findAutopilotInWorkspace(workspace.id, body.id),
      ).toMatchObject({
        assigneeType: 'agent',
        assigneeId: agent.id,
        createdByType: 'member',
        createdById: member.user.id,
      });
    });

    it('creates an autopilot assigned to a squad', async () => {
      const { workspace, owner, member, runtime, url } = await insertTeam();
      const leader = await insertAgent(database.db, workspace.id, runtime.id);
      const squad = await insertSquad(database.db, workspace.id, leader.id, owner.user.id);

      const res = await post(`${url}/autopilots`, member.token, {
        title: 'weekly report',
        description: 'every monday',
        assignee_type: 'squad',
        assignee_id: squad.id,
      });

      expect(res.status).toBe(201);
      expect(AutopilotJson.parse(res.body)).toMatchObject({
        assignee_type: 'squad',
        assignee_id: squad.id,
        description: 'every monday',
        status: 'active',
      });
    });

    it.each([
      ['a missing title', { title: undefined }, MESSAGES.titleRequired],
      ['an unknown assignee_type', { assignee_type: 'member' }, MESSAGES.assigneeTypeInvalid],
      ['a missing assignee_id', { assignee_id: undefined }, MESSAGES.assigneeIdRequired],
      ['a malformed assignee_id', { assignee_id: 'nope' }, MESSAGES.invalidAssigneeId],
      [
        'a title over the limit',
        { title: 't'.repeat(AGENT_LIMITS.autopilotTitle + 1) },
        MESSAGES.tooLong('title', AGENT_LIMITS.autopilotTitle),
      ],
      ['an assignee_type that is not a string', { assignee_type: 1 }, MESSAGES.invalidRequestBody],
    ])('answers 400 for %s', async (_case, over, message) => {
      const { member, url } = await insertTeam();

      const res = await post(`${url}/autopilots`, member.token, {
        title: 'triage',
        assignee_id: missing(),
        ...over,
      });

      expect(errorOf(res)).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: message,
      });
    });

    it('answers 404 agent not found or squad not found for an assignee outside the workspace', async () => {
      const { workspace, owner, member, runtime, url } = await insertTeam();
      const theirs = await insertTeam();
      const foreignAgent = await insertAgent(database.db, theirs.workspace.id, theirs.runtime.id);
      const foreignSquad = await insertSquad(
        database.db,
        theirs.workspace.id,
        foreignAgent.id,
        theirs.owner.user.id,
      );
      const leader = await insertAgent(database.db, workspace.id, runtime.id);
      const ownSquad = await insertSquad(database.db, workspace.id, leader.id, owner.user.id);

      const cases = [
        { assignee_type: 'agent', assignee_id: missing(), code: 'AGENT_NOT_FOUND' },
        { assignee_type: 'agent', assignee_id: foreignAgent.id, code: 'AGENT_NOT_FOUND' },
        { assignee_type: 'agent', assignee_id: ownSquad.id, code: 'AGENT_NOT_FOUND' },
        { assignee_type: 'squad', assignee_id: foreignSquad.id, code: 'SQUAD_NOT_FOUND' },
        { assignee_type: 'squad', assignee_id: leader.id, code: 'SQUAD_NOT_FOUND' },
      ] as const;
      for (const { code, ...assignee } of cases) {
        const res = await post(`${url}/autopilots`, member.token, { title: 'triage', ...assignee });
        expect(errorOf(res)).toEqual({
          status: 404,
          code,
          error: code === 'AGENT_NOT_FOUND' ? MESSAGES.agentNotFound : MESSAGES.squadNotFound,
        });
      }
      expect(
        await database.dataSource.query(`SELECT id FROM autopilot WHERE workspace_id = $1`, [
          workspace.id,
        ]),
      ).toEqual([]);
    });
  });
});
