import { RuntimeListQuery, toAgentRuntimeJson } from '@cp/contracts';
import type { Db } from '@cp/db';
import { Router } from 'express';
import { principalOf, resolveMembership } from '../http/auth';

import type { AuthService } from '../services/auth.service';

/**
 * `/api/runtimes`, mounted behind `authenticate('user')`. The workspace comes from the
 * `workspace_id` query parameter or the `X-Workspace-ID` header, as upstream takes it.
 */
export function runtimeRoutes(auth: AuthService, db: Db): Router {
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

  return router;
}
