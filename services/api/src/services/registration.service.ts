import { createHash } from 'node:crypto';
import {
  AppError,
  MESSAGES,
  type RegisterRequestBody,
  type RuntimeRegisterPayload,
} from '@cp/contracts';
import type { AuthService, Principal } from './auth.service';
import type { QueueAccess } from './operations.service';

/** Turns a validated register request into a `runtime.register` job. */
export class RegistrationService {
  constructor(
    private readonly auth: AuthService,
    private readonly registry: QueueAccess<'registry'>,
  ) {}

  /**
   * Authorises (spec §4.1 step 6) and enqueues; the worker loads the workspace (step 7) and
   * refuses with 404 when it is gone, which keeps this hot path off the database. A daemon token must be bound to the request's
   * workspace and leaves `owner_id` alone; a member's token makes the member the owner.
   * Identical requests while one is waiting or running are one job. Resolves to the job id.
   * @throws AppError `WORKSPACE_NOT_FOUND` (404), `QUEUE_UNAVAILABLE` (503).
   */
  async request(
    body: RegisterRequestBody,
    principal: Principal,
    requestId: string,
  ): Promise<string> {
    const workspaceId = body.workspace_id;
    let ownerId: string | null = null;
    if (principal.kind === 'daemon') {
      if (principal.workspaceId !== workspaceId) {
        throw new AppError('WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound);
      }
    } else {
      if (!(await this.auth.roleOf(workspaceId, principal.userId))) {
        throw new AppError('WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound);
      }
      ownerId = principal.userId;
    }
    const payload: RuntimeRegisterPayload = {
      workspaceId,
      daemonId: body.daemon_id,
      legacyDaemonIds: body.legacy_daemon_ids,
      deviceName: body.device_name,
      cliVersion: body.cli_version,
      launchedBy: body.launched_by,
      runtimes: body.runtimes.map((entry) => ({
        name: entry.name,
        type: entry.type,
        version: entry.version,
        status: entry.status,
        profileId: entry.profile_id,
      })),
      failedProfiles: body.failed_profiles.map((failed) => ({
        profileId: failed.profile_id,
        commandName: failed.command_name,
        reason: failed.reason,
      })),
      ownerId,
      requestId,
    };
    const { requestId: _requestId, ...identity } = payload;
    const deduplicationId = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
    return this.registry.producer.enqueue('runtime.register', payload, { deduplicationId });
  }
}
