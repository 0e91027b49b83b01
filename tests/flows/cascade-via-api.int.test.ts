import { AgentJson, AutopilotJson, ErrorResponse, MESSAGES, SquadJson } from '@cp/contracts';
import { insertMember, insertRuntime, insertWorkspace, uniqueSuffix } from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { type FlowSystem, startFlowSystem } from './support/system';

/**
 * The runtime-delete cascade driven only through the API: agents, squads and autopilots are
 * created and archived over HTTP, then DELETE /api/runtimes/{id} runs on an in-process cascade
 * worker.
 */
describe('the cascade through the API', () => {
  let system: FlowSystem;
  let app: Express;

  beforeAll(async () => {
    system = await startFlowSystem({ workers: ['cascade'], relay: 'live', concurrency: 2 });
    app = system.app;
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('refuses while the agent is active and while its squad is active, then deletes the agent and squad and pauses the autopilot', async () => {
    const { db } = system.database;
    const workspace = await insertWorkspace(db);
    const owner = await insertMember(db, workspace.id, 'owner');
    const member = await insertMember(db, workspace.id, 'member');
    const runtime = await insertRuntime(db, workspace.id, { ownerId: owner.user.id });
    const url = `/api/workspaces/${workspace.id}`;
    const post = (path: string, body?: object) => {
      const req = request(app).post(`${url}${path}`).auth(member.token, { type: 'bearer' });
      return body ? req.send(body) : req;
    };
    const deleteRuntime = () =>
      request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .set('Prefer', 'wait=10')
        .auth(owner.token, { type: 'bearer' });

    const created = await post('/agents', {
      name: `agent-${uniqueSuffix()}`,
      runtime_id: runtime.id,
    });
    expect(created.status).toBe(201);
    const agent = AgentJson.parse(created.body);
    const squadRes = await post('/squads', {
      name: `squad-${uniqueSuffix()}`,
      leader_id: agent.id,
    });
    expect(squadRes.status).toBe(201);
    const squad = SquadJson.parse(squadRes.body);
    const autopilotRes = await post('/autopilots', { title: 'nightly', assignee_id: agent.id });
    expect(autopilotRes.status).toBe(201);
    const autopilot = AutopilotJson.parse(autopilotRes.body);

    const activeAgent = await deleteRuntime();
    expect(activeAgent.status).toBe(409);
    const refusal = activeAgent.body as Record<string, unknown>;
    expect(refusal).toMatchObject({
      error: MESSAGES.runtimeActiveAgents,
      code: 'runtime_has_active_agents',
    });
    expect(
      AgentJson.array()
        .parse(refusal.active_agents)
        .map((a) => a.id),
    ).toEqual([agent.id]);

    const archived = await post(`/agents/${agent.id}/archive`);
    expect(archived.status).toBe(200);
    expect(AgentJson.parse(archived.body).archived_by).toBe(member.user.id);

    const activeSquad = await deleteRuntime();
    expect(activeSquad.status).toBe(409);
    expect(ErrorResponse.parse(activeSquad.body)).toMatchObject({
      code: 'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
      error: MESSAGES.runtimeActiveSquads,
    });

    const squadArchived = await post(`/squads/${squad.id}/archive`);
    expect(squadArchived.status).toBe(200);
    expect(SquadJson.parse(squadArchived.body).archived_at).not.toBeNull();

    const deleted = await deleteRuntime();

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ status: 'ok' });
    expect(await db.runtimes.findById(runtime.id)).toBeNull();
    expect(await db.agents.findById(agent.id)).toBeNull();
    expect(await db.agents.findSquadInWorkspace(workspace.id, squad.id)).toBeNull();
    expect(await db.agents.findAutopilotInWorkspace(workspace.id, autopilot.id)).toMatchObject({
      status: 'paused',
    });
    const gone = await post(`/agents/${agent.id}/restore`);
    expect(ErrorResponse.parse(gone.body).error).toBe(MESSAGES.agentNotFound);
  });
});
