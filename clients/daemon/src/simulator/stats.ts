import type { ApiRoute } from '../api-client';

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What a simulation measured (printed, and written by `--json`). */
export interface SimulationSummary {
  daemons: number;
  registered: number;
  failed: number;
  runtimeRows: number;
  durationMs: number;
  registrationsPerSecond: number;
  runtimeRowsPerSecond: number;
  /** Per simulated daemon, from its first request to its registration's end (retries, 202s). */
  registrationLatencyMs: LatencySummary;
  /** Per `POST /api/daemon/register`, from its socket to the end of the answer. */
  registerRequestLatencyMs: LatencySummary;
  /** HTTP status codes by route; `network` counts requests that got no answer. */
  statusCodes: Record<ApiRoute, Record<string, number>>;
  /** Registrations answered 202 and followed, and how many of those ended in a registration. */
  accepted202: number;
  followed202ToCompletion: number;
  retries: number;
  /** Failed daemons by error message (at most a few distinct messages). */
  errors: Record<string, number>;
}

/**
 * The `p`th percentile (0–100) of ascending `sorted` values, by nearest rank; 0 when empty.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/** Percentiles of `values` (any order). */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

const MAX_ERROR_KINDS = 20;

/** Collects what simulated daemons report; cheap enough to call per request. */
export class SimulationStats {
  registered = 0;
  failed = 0;
  runtimeRows = 0;
  accepted202 = 0;
  followed202ToCompletion = 0;
  retries = 0;
  private readonly registrationMs: number[] = [];
  private readonly registerRequestMs: number[] = [];
  private readonly statusCodes: Record<ApiRoute, Record<string, number>> = {
    profiles: {},
    register: {},
    operation: {},
    heartbeat: {},
  };
  private readonly errors: Record<string, number> = {};

  /** An HTTP answer (`status`) or a request without one (`network`). */
  recordResponse(route: ApiRoute, status: number | 'network', ms?: number): void {
    const codes = this.statusCodes[route];
    const key = String(status);
    codes[key] = (codes[key] ?? 0) + 1;
    if (route === 'register' && ms !== undefined) {
      this.registerRequestMs.push(ms);
    }
  }

  recordRegistered(rows: number, ms: number, followed: boolean): void {
    this.registered++;
    this.runtimeRows += rows;
    this.registrationMs.push(ms);
    if (followed) {
      this.followed202ToCompletion++;
    }
  }

  recordFailed(message: string): void {
    this.failed++;
    const known = Object.keys(this.errors).length;
    const key = message in this.errors || known < MAX_ERROR_KINDS ? message : 'other errors';
    this.errors[key] = (this.errors[key] ?? 0) + 1;
  }

  get done(): number {
    return this.registered + this.failed;
  }

  summary(daemons: number, durationMs: number): SimulationSummary {
    const seconds = Math.max(durationMs, 1) / 1000;
    return {
      daemons,
      registered: this.registered,
      failed: this.failed,
      runtimeRows: this.runtimeRows,
      durationMs: Math.round(durationMs),
      registrationsPerSecond: round(this.registered / seconds),
      runtimeRowsPerSecond: round(this.runtimeRows / seconds),
      registrationLatencyMs: summarizeLatencies(this.registrationMs),
      registerRequestLatencyMs: summarizeLatencies(this.registerRequestMs),
      statusCodes: structuredClone(this.statusCodes),
      accepted202: this.accepted202,
      followed202ToCompletion: this.followed202ToCompletion,
      retries: this.retries,
      errors: { ...this.errors },
    };
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;

function histogram(codes: Record<string, number>): string {
  const entries = Object.entries(codes).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([code, n]) => `${code}×${n}`).join(' ');
}

function latencyLine(l: LatencySummary): string {
  return `p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms  (n=${l.count})`;
}

/** The summary as aligned lines for a terminal. */
export function formatSummary(s: SimulationSummary): string {
  const errorLines = Object.entries(s.errors).map(([message, n]) => `  ${n}× ${message}`);
  return [
    `daemons              ${s.daemons}: ${s.registered} registered, ${s.failed} failed, in ${(s.durationMs / 1000).toFixed(1)} s`,
    `registrations/s      ${s.registrationsPerSecond}`,
    `runtime rows/s       ${s.runtimeRowsPerSecond} (${s.runtimeRows} rows)`,
    `registration latency ${latencyLine(s.registrationLatencyMs)}`,
    `register request     ${latencyLine(s.registerRequestLatencyMs)}`,
    `status codes         register: ${histogram(s.statusCodes.register)}`,
    `                     operation: ${histogram(s.statusCodes.operation)}`,
    `                     profiles: ${histogram(s.statusCodes.profiles)}`,
    `202s followed        ${s.accepted202} accepted, ${s.followed202ToCompletion} followed to completion`,
    `retries              ${s.retries}`,
    `errors               ${s.failed === 0 ? 'none' : s.failed}`,
    ...errorLines,
  ].join('\n');
}
