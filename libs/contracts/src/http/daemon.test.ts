import { randomUUID } from 'node:crypto';
import { MESSAGES } from '../errors';
import { DaemonProfileViewList, HeartbeatRequestBody } from './daemon';

const firstMessage = (body: unknown): string | undefined => {
  const result = HeartbeatRequestBody.safeParse(body);
  if (result.success) {
    throw new Error(`expected ${JSON.stringify(body)} to fail`);
  }
  return result.error.issues[0]?.message;
};

describe('HeartbeatRequestBody', () => {
  it('takes a runtime id, lower-cased, and ignores upstream’s other field', () => {
    const id = randomUUID();
    expect(
      HeartbeatRequestBody.parse({ runtime_id: id.toUpperCase(), supports_batch_import: true }),
    ).toEqual({ runtime_id: id });
  });

  it('answers upstream’s sentences in upstream’s order', () => {
    expect(firstMessage('nope')).toBe(MESSAGES.invalidRequestBody);
    expect(firstMessage({ runtime_id: 5 })).toBe(MESSAGES.invalidRequestBody);
    expect(firstMessage({})).toBe(MESSAGES.runtimeIdRequired);
    expect(firstMessage({ runtime_id: '' })).toBe(MESSAGES.runtimeIdRequired);
    expect(firstMessage({ runtime_id: 'rt-1' })).toBe(MESSAGES.invalidRuntimeId);
    expect(firstMessage({ runtime_id: ` ${randomUUID()}` })).toBe(MESSAGES.invalidRuntimeId);
  });
});

describe('DaemonProfileViewList', () => {
  it('reads upstream’s list: extra fields ignored, any family, null fixed_args as none', () => {
    const sut = DaemonProfileViewList.parse({
      workspace_id: 'ws-1',
      runtime_profiles: [
        {
          id: 'prof-1',
          workspace_id: 'ws-1',
          display_name: 'Old Gemini',
          protocol_family: 'qoder',
          command_name: 'qoder',
          description: null,
          fixed_args: null,
          visibility: 'workspace',
          enabled: true,
          created_at: '2026-01-01T00:00:00Z',
        },
      ],
    });
    expect(sut.runtime_profiles).toEqual([
      {
        id: 'prof-1',
        display_name: 'Old Gemini',
        protocol_family: 'qoder',
        command_name: 'qoder',
        fixed_args: [],
        enabled: true,
      },
    ]);
  });
});
