import {
  CreateAgentBody,
  CreateAutopilotBody,
  CreateSquadBody,
  MESSAGES,
  toAgentJson,
  toAutopilotJson,
  toSquadJson,
  uuidParam,
} from '@cp/contracts';
import { Router } from 'express';
import { z } from 'zod';
import { membershipOf } from '../http/auth';
import { readJsonBody } from '../http/json-body';
import {
  fromCreateAgentBody,
  fromCreateAutopilotBody,
  fromCreateSquadBody,
} from '../mappers/agent.mapper';
import type { AgentService } from '../services/agent.service';

const AgentParams = z.object({ agentId: uuidParam(MESSAGES.invalidAgentId) });
const SquadParams = z.object({ squadId: uuidParam(MESSAGES.invalidSquadId) });

/** What the agent routes need. */
export interface AgentRouteDeps {
  agents: AgentService;
}

/**
 * `/api/workspaces/:workspaceId/{agents,squads,autopilots}`, mounted behind
 * `authenticate('user')` and `requireMember`; any member may call them. Bodies are read after
 * those checks and after the path ids, as upstream's handlers decode them.
 */
export function agentRoutes(deps: AgentRouteDeps): Router {
  const { agents } = deps;
  const router = Router({ mergeParams: true });

  router.post('/agents', async (req, res) => {
    const membership = membershipOf(res);
    const body = CreateAgentBody.parse(await readJsonBody(req, res));
    const agent = await agents.createAgent(fromCreateAgentBody(membership, body));
    res.status(201).json(toAgentJson(agent));
  });

  router.post('/agents/:agentId/archive', async (req, res) => {
    const { workspaceId, userId } = membershipOf(res);
    const { agentId } = AgentParams.parse(req.params);
    res.json(toAgentJson(await agents.archiveAgent(workspaceId, agentId, userId)));
  });

  router.post('/agents/:agentId/restore', async (req, res) => {
    const { workspaceId } = membershipOf(res);
    const { agentId } = AgentParams.parse(req.params);
    res.json(toAgentJson(await agents.restoreAgent(workspaceId, agentId)));
  });

  router.post('/squads', async (req, res) => {
    const membership = membershipOf(res);
    const body = CreateSquadBody.parse(await readJsonBody(req, res));
    const squad = await agents.createSquad(fromCreateSquadBody(membership, body));
    res.status(201).json(toSquadJson(squad));
  });

  router.post('/squads/:squadId/archive', async (req, res) => {
    const { workspaceId, userId } = membershipOf(res);
    const { squadId } = SquadParams.parse(req.params);
    res.json(toSquadJson(await agents.archiveSquad(workspaceId, squadId, userId)));
  });

  router.post('/autopilots', async (req, res) => {
    const membership = membershipOf(res);
    const body = CreateAutopilotBody.parse(await readJsonBody(req, res));
    const autopilot = await agents.createAutopilot(fromCreateAutopilotBody(membership, body));
    res.status(201).json(toAutopilotJson(autopilot));
  });

  return router;
}
