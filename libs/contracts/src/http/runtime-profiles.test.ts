import type { z } from 'zod';
import { MESSAGES } from '../errors';
import { PROTOCOL_FAMILIES } from '../protocol-families';
import {
  CreateRuntimeProfileBody,
  PROFILE_LIMITS,
  PROFILE_MESSAGES,
  UpdateRuntimeProfileBody,
} from './runtime-profiles';

/** The issues of a failed parse, as the api lists them in `details`; fails when it parses. */
function issuesOf(schema: z.ZodType, body: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(body);
  if (result.success) {
    throw new Error(`expected ${JSON.stringify(body)} to fail`);
  }
  return result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
}

/** The sentence the api answers with: the first issue's message. */
const firstMessage = (schema: z.ZodType, body: unknown): string | undefined =>
  issuesOf(schema, body)[0]?.message;

const valid = { display_name: 'Company Codex', protocol_family: 'codex', command_name: 'cx' };

describe('CreateRuntimeProfileBody', () => {
  it('fills upstream defaults for a minimal body', () => {
    expect(CreateRuntimeProfileBody.parse(valid)).toEqual({
      display_name: 'Company Codex',
      protocol_family: 'codex',
      command_name: 'cx',
      description: null,
      fixed_args: [],
      visibility: 'workspace',
      enabled: true,
    });
  });

  it('trims display_name, protocol_family, command_name and visibility only', () => {
    const sut = CreateRuntimeProfileBody.parse({
      display_name: '  Company Codex \t',
      protocol_family: ' codex ',
      command_name: '\ncx  ',
      visibility: ' private ',
      description: '  keep my spaces  ',
      fixed_args: ['  --flag ', ' value'],
    });

    expect(sut).toMatchObject({
      display_name: 'Company Codex',
      protocol_family: 'codex',
      command_name: 'cx',
      visibility: 'private',
      description: '  keep my spaces  ',
      fixed_args: ['  --flag ', ' value'],
    });
  });

  it('treats null like an absent field', () => {
    const sut = CreateRuntimeProfileBody.parse({
      ...valid,
      description: null,
      fixed_args: null,
      visibility: null,
      enabled: null,
    });

    expect(sut).toMatchObject({
      description: null,
      fixed_args: [],
      visibility: 'workspace',
      enabled: true,
    });
    expect(firstMessage(CreateRuntimeProfileBody, { ...valid, display_name: null })).toBe(
      MESSAGES.displayNameRequired,
    );
  });

  it('turns an empty or blank visibility into workspace', () => {
    expect(CreateRuntimeProfileBody.parse({ ...valid, visibility: '' }).visibility).toBe(
      'workspace',
    );
    expect(CreateRuntimeProfileBody.parse({ ...valid, visibility: '   ' }).visibility).toBe(
      'workspace',
    );
  });

  it('keeps enabled false and an empty description', () => {
    expect(
      CreateRuntimeProfileBody.parse({ ...valid, enabled: false, description: '' }),
    ).toMatchObject({ enabled: false, description: '' });
  });

  it('ignores unknown keys', () => {
    const sut = CreateRuntimeProfileBody.parse({ ...valid, id: 'x', created_by: 'y', extra: 1 });

    expect(Object.keys(sut).sort()).toEqual([
      'command_name',
      'description',
      'display_name',
      'enabled',
      'fixed_args',
      'protocol_family',
      'visibility',
    ]);
  });

  it.each(PROTOCOL_FAMILIES)('accepts the protocol family %s', (family) => {
    expect(
      CreateRuntimeProfileBody.parse({ ...valid, protocol_family: family }).protocol_family,
    ).toBe(family);
  });

  it.each([
    ['a number inside fixed_args', { ...valid, fixed_args: ['--a', 1] }],
    ['a string fixed_args', { ...valid, fixed_args: '--a' }],
    ['a string enabled', { ...valid, enabled: 'true' }],
    ['a number display_name', { ...valid, display_name: 7 }],
    ['an object description', { ...valid, description: {} }],
    ['an array body', [valid]],
    ['a string body', 'body'],
    ['a null body', null],
    ['no body', undefined],
  ])('rejects %s as a decode failure before any rule', (_label, body) => {
    const issues = issuesOf(CreateRuntimeProfileBody, body);

    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.message === MESSAGES.invalidRequestBody)).toBe(true);
  });

  it('answers a decode failure alone, even when rules would fail too', () => {
    expect(issuesOf(CreateRuntimeProfileBody, { display_name: '', enabled: 'yes' })).toEqual([
      { path: 'enabled', message: MESSAGES.invalidRequestBody },
    ]);
  });

  it.each([
    ['an empty display_name', { display_name: '' }, MESSAGES.displayNameRequired],
    ['a blank display_name', { display_name: ' \t ' }, MESSAGES.displayNameRequired],
    [
      'a missing protocol_family',
      { protocol_family: undefined },
      MESSAGES.unsupportedProtocolFamily,
    ],
    [
      'a capitalised protocol_family',
      { protocol_family: 'Codex' },
      MESSAGES.unsupportedProtocolFamily,
    ],
    [
      'an unknown protocol_family',
      { protocol_family: 'qoder' },
      MESSAGES.unsupportedProtocolFamily,
    ],
    ['an empty command_name', { command_name: '' }, MESSAGES.commandNameRequired],
    ['a blank command_name', { command_name: '   ' }, MESSAGES.commandNameRequired],
    [
      'a command_name with a space',
      { command_name: 'codex --fast' },
      MESSAGES.commandNameSingleToken,
    ],
    ['a command_name with a tab', { command_name: 'co\tdex' }, MESSAGES.commandNameSingleToken],
    ['a command_name with a NUL', { command_name: 'co\u0000dex' }, PROFILE_MESSAGES.commandNameNul],
    ['a public visibility', { visibility: 'public' }, MESSAGES.visibilityInvalid],
    ['a capitalised visibility', { visibility: 'Private' }, MESSAGES.visibilityInvalid],
    ['an empty fixed_args entry', { fixed_args: ['--a', ''] }, MESSAGES.fixedArgsEntryEmpty],
    ['a blank fixed_args entry', { fixed_args: ['  '] }, MESSAGES.fixedArgsEntryEmpty],
    ['a NUL in a fixed_args entry', { fixed_args: ['--a\u0000'] }, PROFILE_MESSAGES.fixedArgNul],
  ])('rejects %s', (_label, over, message) => {
    expect(issuesOf(CreateRuntimeProfileBody, { ...valid, ...over })).toEqual([
      expect.objectContaining({ message }),
    ]);
  });

  describe('limits', () => {
    const long = (n: number) => 'x'.repeat(n);

    it.each([
      ['display_name', long(PROFILE_LIMITS.displayName), PROFILE_MESSAGES.displayNameTooLong],
      ['command_name', long(PROFILE_LIMITS.commandName), PROFILE_MESSAGES.commandNameTooLong],
      ['description', long(PROFILE_LIMITS.description), PROFILE_MESSAGES.descriptionTooLong],
    ])('accepts a %s at the limit and rejects one past it', (field, atLimit, message) => {
      expect(CreateRuntimeProfileBody.safeParse({ ...valid, [field]: atLimit }).success).toBe(true);
      expect(issuesOf(CreateRuntimeProfileBody, { ...valid, [field]: `${atLimit}x` })).toEqual([
        { path: field, message },
      ]);
    });

    it('counts characters, not UTF-16 units', () => {
      const emoji = '🚀'.repeat(PROFILE_LIMITS.displayName);

      expect(CreateRuntimeProfileBody.parse({ ...valid, display_name: emoji }).display_name).toBe(
        emoji,
      );
    });

    it('accepts as many fixed_args as the limit and rejects one more', () => {
      const args = Array.from({ length: PROFILE_LIMITS.fixedArgs }, (_, i) => `--a${i}`);

      expect(CreateRuntimeProfileBody.parse({ ...valid, fixed_args: args }).fixed_args).toEqual(
        args,
      );
      expect(
        issuesOf(CreateRuntimeProfileBody, { ...valid, fixed_args: [...args, '--b'] }),
      ).toEqual([{ path: 'fixed_args', message: PROFILE_MESSAGES.tooManyFixedArgs }]);
    });

    it('accepts a fixed_args entry at the limit and rejects a longer one, naming its index', () => {
      const atLimit = long(PROFILE_LIMITS.fixedArg);

      expect(CreateRuntimeProfileBody.safeParse({ ...valid, fixed_args: [atLimit] }).success).toBe(
        true,
      );
      expect(
        issuesOf(CreateRuntimeProfileBody, { ...valid, fixed_args: ['--a', `${atLimit}x`] }),
      ).toEqual([{ path: 'fixed_args.1', message: PROFILE_MESSAGES.fixedArgTooLong }]);
    });

    it('checks the length after trimming', () => {
      const padded = `  ${long(PROFILE_LIMITS.displayName)}  `;

      expect(CreateRuntimeProfileBody.safeParse({ ...valid, display_name: padded }).success).toBe(
        true,
      );
    });
  });

  it("reports the first failure in upstream's order and lists every failure", () => {
    const issues = issuesOf(CreateRuntimeProfileBody, {
      display_name: ' ',
      protocol_family: 'Codex',
      command_name: 'a b',
      visibility: 'public',
      fixed_args: ['ok', ' ', 'x\u0000'],
      description: 'd'.repeat(PROFILE_LIMITS.description + 1),
    });

    expect(issues).toEqual([
      { path: 'display_name', message: MESSAGES.displayNameRequired },
      { path: 'protocol_family', message: MESSAGES.unsupportedProtocolFamily },
      { path: 'command_name', message: MESSAGES.commandNameSingleToken },
      { path: 'visibility', message: MESSAGES.visibilityInvalid },
      { path: 'fixed_args.1', message: MESSAGES.fixedArgsEntryEmpty },
      { path: 'fixed_args.2', message: PROFILE_MESSAGES.fixedArgNul },
      { path: 'description', message: PROFILE_MESSAGES.descriptionTooLong },
    ]);
  });

  it('puts protocol_family before command_name, and command_name before visibility', () => {
    expect(
      firstMessage(CreateRuntimeProfileBody, {
        display_name: 'ok',
        protocol_family: '',
        command_name: '',
      }),
    ).toBe(MESSAGES.unsupportedProtocolFamily);
    expect(
      firstMessage(CreateRuntimeProfileBody, { ...valid, command_name: '', visibility: 'x' }),
    ).toBe(MESSAGES.commandNameRequired);
  });
});

describe('UpdateRuntimeProfileBody', () => {
  it('parses an empty object as an empty patch', () => {
    expect(UpdateRuntimeProfileBody.parse({})).toEqual({});
  });

  it('treats null like an absent field: unchanged', () => {
    expect(
      UpdateRuntimeProfileBody.parse({
        display_name: null,
        command_name: null,
        description: null,
        fixed_args: null,
        visibility: null,
        enabled: null,
      }),
    ).toEqual({});
  });

  it('ignores protocol_family and unknown keys, whatever their type', () => {
    expect(
      UpdateRuntimeProfileBody.parse({ protocol_family: 'claude', id: 1, enabled: false }),
    ).toEqual({ enabled: false });
    expect(UpdateRuntimeProfileBody.parse({ protocol_family: 42 })).toEqual({});
  });

  it('trims display_name, command_name and visibility, not description or fixed_args', () => {
    expect(
      UpdateRuntimeProfileBody.parse({
        display_name: ' New name ',
        command_name: ' cx2 ',
        visibility: ' private ',
        description: ' spaced ',
        fixed_args: [' --a '],
      }),
    ).toEqual({
      display_name: 'New name',
      command_name: 'cx2',
      visibility: 'private',
      description: ' spaced ',
      fixed_args: [' --a '],
    });
  });

  it('keeps an empty description and an empty fixed_args (which clears the array)', () => {
    expect(UpdateRuntimeProfileBody.parse({ description: '', fixed_args: [] })).toEqual({
      description: '',
      fixed_args: [],
    });
  });

  it.each([
    ['a number inside fixed_args', { fixed_args: [1] }],
    ['a string enabled', { enabled: 'false' }],
    ['an array body', []],
    ['no body', undefined],
  ])('rejects %s as a decode failure', (_label, body) => {
    expect(firstMessage(UpdateRuntimeProfileBody, body)).toBe(MESSAGES.invalidRequestBody);
  });

  it.each([
    ['an empty display_name', { display_name: '' }, MESSAGES.displayNameEmpty],
    ['a blank display_name', { display_name: '  ' }, MESSAGES.displayNameEmpty],
    ['an empty command_name', { command_name: '' }, MESSAGES.commandNameEmpty],
    ['a blank command_name', { command_name: ' \n' }, MESSAGES.commandNameEmpty],
    ['a command_name with a space', { command_name: 'a b' }, MESSAGES.commandNameSingleToken],
    ['a command_name with a NUL', { command_name: 'a\u0000' }, PROFILE_MESSAGES.commandNameNul],
    ['an empty visibility', { visibility: '' }, MESSAGES.visibilityInvalid],
    ['a blank visibility', { visibility: '  ' }, MESSAGES.visibilityInvalid],
    ['a public visibility', { visibility: 'public' }, MESSAGES.visibilityInvalid],
    ['a blank fixed_args entry', { fixed_args: [' '] }, MESSAGES.fixedArgsEntryEmpty],
    ['a NUL in a fixed_args entry', { fixed_args: ['\u0000'] }, PROFILE_MESSAGES.fixedArgNul],
    [
      'too many fixed_args',
      { fixed_args: Array.from({ length: PROFILE_LIMITS.fixedArgs + 1 }, () => '-a') },
      PROFILE_MESSAGES.tooManyFixedArgs,
    ],
    [
      'a long fixed_args entry',
      { fixed_args: ['a'.repeat(PROFILE_LIMITS.fixedArg + 1)] },
      PROFILE_MESSAGES.fixedArgTooLong,
    ],
    [
      'a long display_name',
      { display_name: 'a'.repeat(PROFILE_LIMITS.displayName + 1) },
      PROFILE_MESSAGES.displayNameTooLong,
    ],
    [
      'a long command_name',
      { command_name: 'a'.repeat(PROFILE_LIMITS.commandName + 1) },
      PROFILE_MESSAGES.commandNameTooLong,
    ],
    [
      'a long description',
      { description: 'a'.repeat(PROFILE_LIMITS.description + 1) },
      PROFILE_MESSAGES.descriptionTooLong,
    ],
  ])('rejects %s', (_label, body, message) => {
    expect(issuesOf(UpdateRuntimeProfileBody, body)).toEqual([
      expect.objectContaining({ message }),
    ]);
  });

  it("reports the first failure in upstream's order and lists every failure", () => {
    const issues = issuesOf(UpdateRuntimeProfileBody, {
      visibility: '',
      fixed_args: [''],
      command_name: '',
      display_name: '',
    });

    expect(issues).toEqual([
      { path: 'display_name', message: MESSAGES.displayNameEmpty },
      { path: 'command_name', message: MESSAGES.commandNameEmpty },
      { path: 'fixed_args.0', message: MESSAGES.fixedArgsEntryEmpty },
      { path: 'visibility', message: MESSAGES.visibilityInvalid },
    ]);
  });
});
