import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Producer, QueueName } from '@cp/queue';
import type { RequestHandler } from 'express';

/** A BullMQ queue handle, as a producer holds it. */
export type QueueHandle = Producer<QueueName>['queue'];

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/admin/queues';

/** Builds the BullMQ dashboard on its first request. */
export function lazyDashboard(queues: () => QueueHandle[]): RequestHandler {
  let board: RequestHandler | undefined;
  return (req, res, next) => {
    if (!board) {
      const adapter = new ExpressAdapter();
      adapter.setBasePath(DASHBOARD_PATH);
      createBullBoard({
        queues: queues().map((queue) => new BullMQAdapter(queue)),
        serverAdapter: adapter,
        options: { uiConfig: { boardTitle: 'Control plane' } },
      });
      board = adapter.getRouter() as RequestHandler;
    }
    board(req, res, next);
  };
}
