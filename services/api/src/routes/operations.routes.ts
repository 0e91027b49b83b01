import { AppError, MESSAGES } from '@cp/contracts';
import { Router } from 'express';
import { principalOf } from '../http/auth';
import { toOperationResponse } from '../mappers/operation.mapper';
import type { AuthService } from '../services/auth.service';
import type { OperationService } from '../services/operations.service';

/**
 * `GET /api/operations/:operationId`, mounted behind `authenticate('daemon')`: members of the
 * operation's workspace and that workspace's daemon tokens may read it; anyone else gets 404.
 */
export function operationRoutes(auth: AuthService, operations: OperationService): Router {
  const router = Router();

  router.get('/:operationId', async (req, res) => {
    const principal = principalOf(res);
    const operation = await operations.describe(req.params.operationId);
    const allowed =
      principal.kind === 'daemon'
        ? principal.workspaceId === operation.workspaceId
        : (await auth.roleOf(operation.workspaceId, principal.userId)) !== undefined;
    if (!allowed) {
      throw new AppError('OPERATION_NOT_FOUND', MESSAGES.operationNotFound);
    }
    res.json(toOperationResponse(operation));
  });

  return router;
}
