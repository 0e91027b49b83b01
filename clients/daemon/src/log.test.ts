import { createLogger, formatRecord, type LogRecord } from './log';

const at = new Date('2026-01-01T00:00:00.000Z');

describe(formatRecord.name, () => {
  it('writes one line: time, level, event and key=value fields, quoting values with spaces', () => {
    const record: LogRecord = {
      time: at,
      level: 'warn',
      event: 'register_retry',
      fields: { status: 503, reason: 'the job queue is unavailable; retry shortly', ms: 1200 },
    };
    expect(formatRecord(record)).toBe(
      '2026-01-01T00:00:00.000Z warn  register_retry status=503 ' +
        'reason="the job queue is unavailable; retry shortly" ms=1200',
    );
  });

  it('keeps an error to its message, on one line, never its stack', () => {
    const line = formatRecord({
      time: at,
      level: 'error',
      event: 'failed',
      fields: { err: new Error('first\nsecond') },
    });
    expect(line).toBe('2026-01-01T00:00:00.000Z error failed err="first\\nsecond"');
    expect(line).not.toContain('at ');
  });

  it('writes JSON lines on request', () => {
    expect(
      JSON.parse(formatRecord({ time: at, level: 'info', event: 'x', fields: { a: [1] } }, 'json')),
    ).toEqual({ time: at.toISOString(), level: 'info', event: 'x', a: [1] });
  });
});

describe(createLogger.name, () => {
  it('drops records below its level and adds child fields', () => {
    const records: LogRecord[] = [];
    const sut = createLogger((r) => records.push(r), 'info', { daemon: 'd1' }).child({ n: 1 });
    sut.debug('hidden');
    sut.info('shown', { k: 'v' });
    expect(records.map((r) => [r.event, r.fields])).toEqual([
      ['shown', { daemon: 'd1', n: 1, k: 'v' }],
    ]);
  });
});
