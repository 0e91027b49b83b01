import { AppError, MESSAGES } from '@cp/contracts';
import type { Db } from '@cp/db';
import type { AuthService, Principal } from './auth.service';

/**
 * Daemon heartbeats (`POST /api/daemon/heartbeat`), reduced to what tells a daemon that a
 * runtime is gone: no liveness store, no pending actions, no batching.
 */
export class HeartbeatService {
  constructor(
    private readonly db: Db,
    private readonly auth: AuthService,
  ) {}

  /**
   * Records that `runtimeId` is alive. A daemon token costs one statement: the update is scoped
   * to the token's workspace; only a miss looks the row up again, to answer as upstream does.
   * A member's token first reads the row's workspace to check the membership (cached).
   * @throws AppError `RUNTIME_NOT_FOUND` (404 `runtime not found`) when the row is gone, which
   *   tells the daemon to re-register; `WORKSPACE_NOT_FOUND` (404 `not found`) when the row is
   *   another workspace's.
   */
  async beat(runtimeId: string, principal: Principal): Promise<void> {
    const gone = () => new AppError('RUNTIME_NOT_FOUND', MESSAGES.runtimeNotFound);
    const elsewhere = () => new AppError('WORKSPACE_NOT_FOUND', MESSAGES.notFound);
    if (principal.kind === 'daemon') {
      if (await this.db.runtimes.recordHeartbeat(principal.workspaceId, runtimeId)) {
        return;
      }
      throw (await this.db.runtimes.findById(runtimeId)) ? elsewhere() : gone();
    }
    const runtime = await this.db.runtimes.findById(runtimeId);
    if (!runtime) {
      throw gone();
    }
    if (!(await this.auth.roleOf(runtime.workspaceId, principal.userId))) {
      throw elsewhere();
    }
    if (!(await this.db.runtimes.recordHeartbeat(runtime.workspaceId, runtimeId))) {
      throw gone();
    }
  }
}
