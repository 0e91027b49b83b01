/** Where progress goes: stderr in the CLI. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** The counts progress shows ({@link SimulationStats} has them). */
export interface ProgressCounts {
  readonly done: number;
  readonly registered: number;
  readonly failed: number;
  readonly retries: number;
}

/** Progress of a simulation. */
export interface Progress {
  /** Redraws if enough time passed since the last drawing. */
  update(counts: ProgressCounts): void;
  /** Draws the final state. */
  finish(counts: ProgressCounts): void;
}

const BAR_WIDTH = 30;

/**
 * A bar redrawn in place on a terminal (at most 10 times a second), or one line every
 * `lineEveryMs` otherwise (a log file or CI).
 */
export function createProgress(
  stream: ProgressStream,
  total: number,
  opts: { lineEveryMs?: number; now?: () => number } = {},
): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  const interval = stream.isTTY ? 100 : (opts.lineEveryMs ?? 5_000);
  let last = 0;
  const render = (stats: ProgressCounts): string => {
    const seconds = Math.max(now() - started, 1) / 1000;
    const rate = (stats.registered / seconds).toFixed(1);
    const counts = `${stats.done}/${total}  ${rate} reg/s  failed ${stats.failed}  retries ${stats.retries}`;
    if (!stream.isTTY) {
      return `${seconds.toFixed(1)}s ${counts}\n`;
    }
    const filled = Math.round((stats.done / Math.max(total, 1)) * BAR_WIDTH);
    return `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${counts}`;
  };
  return {
    update(stats) {
      const at = now();
      if (at - last >= interval) {
        last = at;
        stream.write(render(stats));
      }
    },
    finish(stats) {
      stream.write(render(stats));
      if (stream.isTTY) {
        stream.write('\n');
      }
    },
  };
}
