import { z } from 'zod';
import { ERROR_CODES } from '../errors';

export const OPERATION_KINDS = ['runtime.register', 'profile.delete', 'runtime.delete'] as const;
export const OPERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** An asynchronous request seen from outside (ARCHITECTURE.md §4). */
export const OperationJson = z.object({
  id: z.string(),
  kind: z.enum(OPERATION_KINDS),
  status: z.enum(OPERATION_STATUSES),
  workspace_id: z.uuid(),
  target_id: z.string().nullable(),
  result: z.unknown().nullable(),
  error: z
    .object({ code: z.union([z.enum(ERROR_CODES), z.string()]), message: z.string() })
    .passthrough()
    .nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type OperationJson = z.infer<typeof OperationJson>;

/** A 202 body, and `GET /api/operations/{id}`. */
export const OperationResponse = z.object({ operation: OperationJson });
export type OperationResponse = z.infer<typeof OperationResponse>;
