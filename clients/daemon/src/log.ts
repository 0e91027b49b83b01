/** How much a daemon says. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One event: a short name (`registered`, `runtime_gone`) and its fields. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

/** Where records go: a stream in the CLI, an array in tests. */
export type LogSink = (record: LogRecord) => void;

/**
 * The daemon's logger: one record per event, fields not prose. Expected failures (a 503, a
 * refused profile, a command not on PATH) are logged as a message field, never a stack.
 */
export interface DaemonLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every record. */
  child(fields: Record<string, unknown>): DaemonLogger;
}

/** A logger writing records at `level` and above to `sink`. */
export function createLogger(
  sink: LogSink,
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
): DaemonLogger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit =
    (at: LogLevel) =>
    (event: string, fields: Record<string, unknown> = {}): void => {
      if (LOG_LEVELS.indexOf(at) >= threshold) {
        sink({ time: new Date(), level: at, event, fields: { ...base, ...fields } });
      }
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(sink, level, { ...base, ...fields }),
  };
}

/** A logger that drops everything. */
export const silentLogger: DaemonLogger = createLogger(() => undefined, 'error', {});

/** An error as one short string: its message, never its stack. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  }
  if (value instanceof Error) {
    return JSON.stringify(value.message);
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * One line per record: `<time> <level> <event> key=value ...` (values with spaces quoted), or
 * one JSON object per line with `json`.
 */
export function formatRecord(record: LogRecord, format: 'text' | 'json' = 'text'): string {
  if (format === 'json') {
    return JSON.stringify({
      time: record.time.toISOString(),
      level: record.level,
      event: record.event,
      ...Object.fromEntries(
        Object.entries(record.fields).map(([k, v]) => [k, v instanceof Error ? v.message : v]),
      ),
    });
  }
  const fields = Object.entries(record.fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return [record.time.toISOString(), record.level.padEnd(5), record.event, ...fields]
    .join(' ')
    .replace(/\s*\n\s*/g, ' ');
}
