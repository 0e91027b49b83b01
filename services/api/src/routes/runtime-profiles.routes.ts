import {
  CreateRuntimeProfileBody,
  MESSAGES,
  UpdateRuntimeProfileBody,
  uuidParam,
} from '@cp/contracts';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { answerAsync } from '../http/answer-async';
import { membershipOf, requireRole } from '../http/auth';
import { readJsonBody } from '../http/json-body';
import {
  fromCreateProfileBody,
  fromUpdateProfileBody,
  toRuntimeProfileJson,
} from '../mappers/runtime-profile.mapper';
import type { DeletionService } from '../services/deletion.service';
import type { OperationService } from '../services/operations.service';
import type { RuntimeProfileService } from '../services/runtime-profile.service';

const ProfileParams = z.object({ profileId: uuidParam(MESSAGES.invalidProfileId) });

/**
 * `/api/workspaces/:workspaceId/runtime-profiles`, mounted behind `authenticate('user')` and
 * `requireMember` (spec §3.2–3.6). Writes need owner or admin, checked before anything else;
 * their bodies are read only after that and after the profile id (the app parses no body here).
 */
export interface RuntimeProfileRouteDeps {
  profiles: RuntimeProfileService;
  deletions: DeletionService;
  operations: OperationService;
}

export function runtimeProfileRoutes(deps: RuntimeProfileRouteDeps): Router {
  const { profiles } = deps;
  const router = Router({ mergeParams: true });
  const viewerOf = (membership: ReturnType<typeof membershipOf>) =>
    ({ kind: 'member', userId: membership.userId, role: membership.role }) as const;

  router.get('/', async (_req, res) => {
    const membership = membershipOf(res);
    const list = await profiles.list(membership.workspaceId, viewerOf(membership));
    res.json({ runtime_profiles: list.map(toRuntimeProfileJson) });
  });

  router.get('/:profileId', async (req, res) => {
    const membership = membershipOf(res);
    const { profileId } = ProfileParams.parse(req.params);
    const profile = await profiles.get(membership.workspaceId, profileId, viewerOf(membership));
    res.json(toRuntimeProfileJson(profile));
  });

  router.post('/', requireRole('owner', 'admin'), async (req, res) => {
    const { workspaceId, userId } = membershipOf(res);
    const body = CreateRuntimeProfileBody.parse(await readJsonBody(req, res));
    const profile = await profiles.create(fromCreateProfileBody(workspaceId, userId, body), userId);
    res.status(201).json(toRuntimeProfileJson(profile));
  });

  const update: RequestHandler = async (req, res) => {
    const { workspaceId, userId } = membershipOf(res);
    const { profileId } = ProfileParams.parse(req.params);
    const patch = fromUpdateProfileBody(
      UpdateRuntimeProfileBody.parse(await readJsonBody(req, res)),
    );
    const profile = await profiles.update(workspaceId, profileId, patch, userId);
    res.json(toRuntimeProfileJson(profile));
  };
  router.patch('/:profileId', requireRole('owner', 'admin'), update);
  router.put('/:profileId', requireRole('owner', 'admin'), update);

  router.delete('/:profileId', requireRole('owner', 'admin'), async (req, res) => {
    const { profileId } = ProfileParams.parse(req.params);
    const jobId = await deps.deletions.requestProfileDeletion(
      membershipOf(res),
      profileId,
      res.locals.requestId,
    );
    await answerAsync(
      req,
      res,
      deps.operations,
      { queue: 'cascade', jobId },
      { defaultWaitMs: 0, onSuccess: () => res.status(204).end() },
    );
  });

  return router;
}
