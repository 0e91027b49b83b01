import { type OperationJson, type OperationResponse, toTimestamp } from '@cp/contracts';
import type { Operation } from '@cp/queue';

/** The wire form of an operation; a failure shows its code, sentence and upstream fields. */
export function toOperationJson(operation: Operation): OperationJson {
  return {
    id: operation.id,
    kind: operation.kind as OperationJson['kind'],
    status: operation.status,
    workspace_id: operation.workspaceId,
    target_id: operation.targetId,
    result: operation.result ?? null,
    error: operation.error
      ? { code: operation.error.code, message: operation.error.message, ...operation.error.body }
      : null,
    created_at: toTimestamp(operation.createdAt),
    updated_at: toTimestamp(operation.updatedAt),
  };
}

export const toOperationResponse = (operation: Operation): OperationResponse => ({
  operation: toOperationJson(operation),
});
