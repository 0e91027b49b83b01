import { z } from 'zod';

/** `GET /healthz`: the process is up. */
export const HealthResponse = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `GET /readyz`: each dependency's check, `ok` or `down: <reason>`; `down` lists the failed ones. */
export const ReadinessResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.string()),
  down: z.array(z.string()).optional(),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;
