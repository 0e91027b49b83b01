import { AppError, MESSAGES } from '@cp/contracts';
import { decodeJobError, encodeJobError, jobErrorToAppError } from './job-error';

describe('job errors', () => {
  it('round-trips a domain error with its code, details and body', () => {
    const err = new AppError('ACTIVE_AGENTS_BOUND', MESSAGES.runtimeActiveAgents, {
      details: [{ path: 'runtime_id', message: 'busy' }],
      body: { code: 'runtime_has_active_agents', active_agents: [{ id: 'a' }] },
    });
    const sut = decodeJobError(encodeJobError(err));
    expect(sut).toEqual({
      code: 'ACTIVE_AGENTS_BOUND',
      message: MESSAGES.runtimeActiveAgents,
      details: [{ path: 'runtime_id', message: 'busy' }],
      body: { code: 'runtime_has_active_agents', active_agents: [{ id: 'a' }] },
    });
    const rebuilt = jobErrorToAppError(sut);
    expect(rebuilt.code).toBe('ACTIVE_AGENTS_BOUND');
    expect(rebuilt.opts.body).toEqual(err.opts.body);
  });

  it.each([
    undefined,
    'connection reset',
    'cp-error:{not json',
    'cp-error:{"code":"NOPE","message":"x"}',
  ])('reads %p as an internal error', (reason) => {
    expect(decodeJobError(reason)).toEqual({ code: 'INTERNAL', message: 'internal error' });
  });
});
