import { AppError, MESSAGES } from '@cp/contracts';
import { compareEntryIds, type EventFeed, type FeedEntry, isEntryId } from '@cp/queue';
import { Router } from 'express';
import { membershipOf } from '../http/auth';

/** How often an idle stream gets a comment line, so proxies keep the connection open. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * `GET /api/workspaces/:workspaceId/events`, mounted behind `authenticate('user')` and
 * `requireMember`: the workspace's events as Server-Sent Events. Each message is
 * `id: <stream entry id>`, `event: <type>`, `data: <event JSON>` (whose `id` is the event's
 * stable id, for dropping repeats). A client reconnecting with `Last-Event-ID` first gets what
 * it missed, then the live events, with nothing lost or repeated in between. A disconnect
 * frees the subscription and the keep-alive timer.
 */
export function eventRoutes(feed: EventFeed, keepAliveMs = KEEP_ALIVE_MS): Router {
  const router = Router({ mergeParams: true });

  router.get('/', async (req, res) => {
    const { workspaceId } = membershipOf(res);
    const resumeFrom = req.get('last-event-id')?.trim();
    let lastSent = resumeFrom && isEntryId(resumeFrom) ? resumeFrom : undefined;

    // Subscribe before reading history, buffering live entries until the history is sent.
    const pending: FeedEntry[] = [];
    let live = false;
    const send = (entry: FeedEntry): void => {
      if (lastSent && compareEntryIds(entry.entryId, lastSent) <= 0) {
        return;
      }
      lastSent = entry.entryId;
      res.write(
        `id: ${entry.entryId}\nevent: ${entry.event.type}\ndata: ${JSON.stringify(entry.event)}\n\n`,
      );
    };
    const unsubscribe = feed.subscribe(
      workspaceId,
      (entry) => (live ? send(entry) : pending.push(entry)),
      () => res.end(),
    );
    // Set before the history read: a client may leave while it runs, and must not leave its
    // subscription behind.
    res.on('close', unsubscribe);
    let history: FeedEntry[];
    try {
      history = lastSent ? await feed.history(workspaceId, lastSent) : [];
    } catch (err) {
      unsubscribe();
      throw new AppError('QUEUE_UNAVAILABLE', MESSAGES.queueUnavailable, {
        retryAfterSeconds: 1,
        cause: err,
      });
    }
    // Gone while the history was read: the client left, or the feed stopped (shutdown).
    if (res.destroyed || req.destroyed || res.writableEnded) {
      return;
    }

    res.status(200).set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(': connected\n\n');
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    res.on('close', () => clearInterval(keepAlive));
    history.forEach(send);
    live = true;
    pending.splice(0).forEach(send);
  });

  return router;
}
