import { randomUUID } from 'node:crypto';
import { MESSAGES } from '../errors';
import { REGISTER_LIMITS, REGISTER_MESSAGES, RegisterRequestBody } from './register';

/** The issues of a failed parse, as the api lists them in `details`; fails when it parses. */
function issuesOf(body: unknown): { path: string; message: string }[] {
  const result = RegisterRequestBody.safeParse(body);
  if (result.success) {
    throw new Error(`expected ${JSON.stringify(body)} to fail`);
  }
  return result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
}

const workspaceId = randomUUID();
const base = { workspace_id: workspaceId, daemon_id: 'daemon-1' };

describe('RegisterRequestBody failed_profiles', () => {
  it('accepts a request made only of failed profiles, trimming, lower-casing and defaulting', () => {
    const profileId = randomUUID().toUpperCase();

    const sut = RegisterRequestBody.parse({
      ...base,
      failed_profiles: [{ profile_id: ` ${profileId} `, command_name: ' company-codex ' }],
    });

    expect(sut.runtimes).toEqual([]);
    expect(sut.failed_profiles).toEqual([
      {
        profile_id: profileId.toLowerCase(),
        command_name: 'company-codex',
        reason: MESSAGES.profileCommandUnresolved,
      },
    ]);
  });

  it('defaults to no failed profiles when the field is absent or null', () => {
    const runtimes = [{ type: 'codex' }];
    expect(RegisterRequestBody.parse({ ...base, runtimes }).failed_profiles).toEqual([]);
    expect(
      RegisterRequestBody.parse({ ...base, runtimes, failed_profiles: null }).failed_profiles,
    ).toEqual([]);
  });

  it('skips an entry without a profile id, as upstream does, and does not count it', () => {
    expect(
      RegisterRequestBody.parse({
        ...base,
        runtimes: [{ type: 'codex' }],
        failed_profiles: [{ profile_id: '  ', reason: 'x' }],
      }).failed_profiles,
    ).toEqual([]);
    expect(issuesOf({ ...base, failed_profiles: [{ profile_id: '' }] })).toEqual([
      { path: 'runtimes', message: MESSAGES.runtimesRequired },
    ]);
  });

  it('answers upstream HEAD’s sentence when there is neither a runtime nor a failed profile', () => {
    expect(MESSAGES.runtimesRequired).toBe('at least one runtime or failed profile is required');
    expect(issuesOf({ ...base, runtimes: [], failed_profiles: [] })[0]?.message).toBe(
      MESSAGES.runtimesRequired,
    );
  });

  it('refuses a malformed profile id with invalid profile_id', () => {
    expect(issuesOf({ ...base, failed_profiles: [{ profile_id: 'prof-1' }] })).toEqual([
      { path: 'failed_profiles.0.profile_id', message: MESSAGES.invalidProfileIdField },
    ]);
  });

  it('refuses a wrong JSON type as a decode failure', () => {
    expect(issuesOf({ ...base, failed_profiles: {} })[0]?.message).toBe(
      MESSAGES.invalidRequestBody,
    );
    expect(issuesOf({ ...base, failed_profiles: [{ profile_id: 7 }] })[0]?.message).toBe(
      MESSAGES.invalidRequestBody,
    );
  });

  describe('limits', () => {
    const failure = () => ({ profile_id: randomUUID(), command_name: 'cx', reason: 'missing' });

    it(`takes at most ${REGISTER_LIMITS.failedProfiles} failed profiles`, () => {
      const full = Array.from({ length: REGISTER_LIMITS.failedProfiles }, failure);
      expect(RegisterRequestBody.parse({ ...base, failed_profiles: full }).failed_profiles).toEqual(
        expect.arrayContaining([expect.objectContaining({ command_name: 'cx' })]),
      );
      expect(issuesOf({ ...base, failed_profiles: [...full, failure()] })).toEqual([
        { path: 'failed_profiles', message: REGISTER_MESSAGES.tooManyFailedProfiles },
      ]);
    });

    it(`bounds command_name to ${REGISTER_LIMITS.string} and reason to ${REGISTER_LIMITS.reason} characters`, () => {
      const long = {
        ...failure(),
        command_name: 'c'.repeat(REGISTER_LIMITS.string + 1),
        reason: 'r'.repeat(REGISTER_LIMITS.reason + 1),
      };
      expect(issuesOf({ ...base, failed_profiles: [long] })).toEqual([
        {
          path: 'failed_profiles.0.command_name',
          message: REGISTER_MESSAGES.stringTooLong('failed_profiles[].command_name'),
        },
        { path: 'failed_profiles.0.reason', message: REGISTER_MESSAGES.reasonTooLong },
      ]);
      const fits = { ...failure(), reason: 'r'.repeat(REGISTER_LIMITS.reason) };
      expect(
        RegisterRequestBody.parse({ ...base, failed_profiles: [fits] }).failed_profiles,
      ).toEqual([expect.objectContaining({ reason: fits.reason })]);
    });
  });
});
