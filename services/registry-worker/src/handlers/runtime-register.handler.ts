import type { JobHandler } from '@cp/queue';
import type { Registrar } from '../registration/registrar';

/**
 * `runtime.register`: registers one daemon request through the micro-batching registrar and
 * returns upstream's response body (the operation's result).
 *
 * A rerun is harmless: every write is an upsert on the request's own keys, and the legacy merge
 * finds nothing left to fold the second time. Domain refusals (unknown, disabled or deleting
 * profile, missing workspace) write nothing and end the job; anything else is retried.
 */
export function makeRuntimeRegisterHandler(deps: {
  registrar: Registrar;
}): JobHandler<'runtime.register'> {
  return async (payload, ctx) => {
    const started = Date.now();
    const response = await deps.registrar.register(payload);
    ctx.log.debug(
      {
        requestId: payload.requestId,
        runtimes: response.runtimes.length,
        ms: Date.now() - started,
      },
      'registered',
    );
    return response;
  };
}
