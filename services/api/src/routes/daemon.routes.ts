import { Router } from 'express';
import { checkDaemonWorkspaceAccess, principalOf } from '../http/auth';
import { toRuntimeProfileJson } from '../mappers/runtime-profile.mapper';
import type { AuthService } from '../services/auth.service';
import type { ProfileViewer, RuntimeProfileService } from '../services/runtime-profile.service';

/** `/api/daemon/...`, mounted behind `authenticate('daemon')` (spec §3.8). */
export function daemonRoutes(auth: AuthService, profiles: RuntimeProfileService): Router {
  const router = Router();

  router.get('/workspaces/:workspaceId/runtime-profiles', async (req, res) => {
    const principal = principalOf(res);
    const workspaceId = req.params.workspaceId.trim();
    const role = await checkDaemonWorkspaceAccess(auth, principal, workspaceId);
    const viewer: ProfileViewer =
      principal.kind === 'daemon'
        ? { kind: 'daemon', createdBy: principal.createdBy }
        : { kind: 'member', userId: principal.userId, role: role ?? 'member' };
    const list = await profiles.listEnabled(workspaceId.toLowerCase(), viewer);
    res.json({ workspace_id: workspaceId, runtime_profiles: list.map(toRuntimeProfileJson) });
  });

  return router;
}
