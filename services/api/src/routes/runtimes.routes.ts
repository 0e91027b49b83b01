import { MESSAGES, RuntimeListQuery, toAgentRuntimeJson, uuidParam } from '@cp/contracts';
import type { Db } from '@cp/db';
import { Router } from 'express';
import { principalOf, resolveMembership } from '../http/auth';

import { answerAsync } from '../http/answer-async';
import type { AuthService } from '../services/auth.service';
import type { DeletionService } from '../services/deletion.service';
import type { OperationService } from '../services/operations.service';
import { z } from 'zod';

/**
 * `/api/runtimes`, mounted behind `authenticate('user')`. DELETE follows spec §5.2 through the
 * cascade queue: 202 + the operation at once, or 200 `{"status":"ok"}` / upstream's 409 body
 * with `Prefer: wait=N`. The workspace comes from the
 * `workspace_id` query parameter or the `X-Workspace-ID` header, as upstream takes it.
 */
export interface RuntimeRouteDeps {
  auth: AuthService;
  db: Db;
  deletions: DeletionService;
  operations: OperationService;
}

const RuntimeParams = z.object({ runtimeId: uuidParam(MESSAGES.invalidRuntimeId) });

export function runtimeRoutes(deps: RuntimeRouteDeps): Router {
  const { auth, db } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    const raw =
      typeof req.query.workspace_id === 'string'
        ? req.query.workspace_id
        : req.get('x-workspace-id');
    const membership = await resolveMembership(auth, principalOf(res), raw);
    const query = RuntimeListQuery.parse(req.query);
    const runtimes = await db.runtimes.listInWorkspace(membership.workspaceId, {
      ownerId: query.owner === 'me' ? membership.userId : undefined,
    });
    res.json(runtimes.map(toAgentRuntimeJson));
  });

  router.delete('/:runtimeId', async (req, res) => {
    const { runtimeId } = RuntimeParams.parse(req.params);
    const jobId = await deps.deletions.requestRuntimeDeletion(
      principalOf(res),
      runtimeId,
      res.locals.requestId,
    );
    await answerAsync(
      req,
      res,
      deps.operations,
      { queue: 'cascade', jobId },
      { defaultWaitMs: 0, onSuccess: () => res.json({ status: 'ok' }) },
    );
  });

  return router;
}
