import { HeartbeatRequestBody, type HeartbeatResponse, RegisterRequestBody } from '@cp/contracts';
import { Router } from 'express';
import { answerAsync } from '../http/answer-async';
import { checkDaemonWorkspaceAccess, principalOf } from '../http/auth';
import { readJsonBody } from '../http/json-body';
import { toRuntimeProfileJson } from '../mappers/runtime-profile.mapper';
import type { AuthService } from '../services/auth.service';
import type { HeartbeatService } from '../services/heartbeat.service';
import type { OperationService } from '../services/operations.service';
import type { RegistrationService } from '../services/registration.service';
import type { ProfileViewer, RuntimeProfileService } from '../services/runtime-profile.service';

export interface DaemonRouteDeps {
  auth: AuthService;
  profiles: RuntimeProfileService;
  registrations: RegistrationService;
  heartbeats: HeartbeatService;
  operations: OperationService;
  /** How long a registration waits for its outcome without a `Prefer` header. */
  registerWaitMs: number;
}

/**
 * `/api/daemon/...`, mounted behind `authenticate('daemon')` (spec §3.8, §3.9), plus upstream's
 * heartbeat in its minimal form.
 */
export function daemonRoutes(deps: DaemonRouteDeps): Router {
  const router = Router();

  router.get('/workspaces/:workspaceId/runtime-profiles', async (req, res) => {
    const principal = principalOf(res);
    const workspaceId = req.params.workspaceId.trim();
    const role = await checkDaemonWorkspaceAccess(deps.auth, principal, workspaceId);
    const viewer: ProfileViewer =
      principal.kind === 'daemon'
        ? { kind: 'daemon', createdBy: principal.createdBy }
        : { kind: 'member', userId: principal.userId, role: role ?? 'member' };
    const list = await deps.profiles.listRegistrable(workspaceId.toLowerCase(), viewer);
    res.json({ workspace_id: workspaceId, runtime_profiles: list.map(toRuntimeProfileJson) });
  });

  router.post('/register', async (req, res) => {
    const body = RegisterRequestBody.parse(await readJsonBody(req, res));
    const jobId = await deps.registrations.request(body, principalOf(res), res.locals.requestId);
    await answerAsync(
      req,
      res,
      deps.operations,
      { queue: 'registry', jobId },
      { defaultWaitMs: deps.registerWaitMs, onSuccess: (result) => res.json(result) },
    );
  });

  // Upstream's `POST /api/daemon/heartbeat`, same body and answers; a 404 tells the daemon the
  // runtime is gone, so it re-registers. Liveness is `last_seen_at`; nothing else is pending.
  router.post('/heartbeat', async (req, res) => {
    const body = HeartbeatRequestBody.parse(await readJsonBody(req, res));
    await deps.heartbeats.beat(body.runtime_id, principalOf(res));
    const answer: HeartbeatResponse = { status: 'ok' };
    res.json(answer);
  });

  return router;
}
