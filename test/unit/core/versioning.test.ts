import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PromptDocument } from '../../../src/core/document.ts';
import { ValidationError, VersionNotGreaterError } from '../../../src/core/errors.ts';
import {
  assertVersion,
  type BumpLevel,
  bumpRank,
  compareVersions,
  decidePublishVersion,
  impliedBump,
  isValidVersion,
  nextVersion,
  sortVersionsDescending,
  versionSortKey,
} from '../../../src/core/versioning.ts';
import { documentArb } from '../../fixtures/arbitraries.ts';
import { textDocument } from '../../fixtures/documents.ts';

const base = textDocument();
const withSection = (doc: PromptDocument, name: string, content: string): PromptDocument => ({
  ...doc,
  sections: doc.sections.some((s) => s.name === name)
    ? doc.sections.map((s) => (s.name === name ? { name, content } : s))
    : [...doc.sections, { name, content }],
});

describe('versions', () => {
  it.each(['1.0.0', '0.1.0', '10.20.30', '1.0.0-rc.1'])('accepts %s', (v) =>
    expect(assertVersion(v)).toBe(v));

  it.each([
    '',
    '1',
    '1.0',
    'v1.0.0',
    '01.0.0',
    '1.0.0+build',
    '1.0.0 ',
    'latest',
    '1.0.0.0',
  ])('rejects %j', (v) => {
    expect(() => assertVersion(v)).toThrow(ValidationError);
    expect(() => assertVersion(v)).toThrow(/is not a valid version/);
  });

  it('rejects non-strings', () => {
    expect(isValidVersion(1)).toBe(false);
    expect(isValidVersion(null)).toBe(false);
  });

  it('orders versions by semver, not by text', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBe(1);
    expect(sortVersionsDescending(['1.0.0', '1.10.0', '1.2.0', '2.0.0-rc.1', '2.0.0'])).toEqual([
      '2.0.0',
      '2.0.0-rc.1',
      '1.10.0',
      '1.2.0',
      '1.0.0',
    ]);
  });

  it('bumps from the latest, starting at 1.0.0', () => {
    expect(nextVersion(undefined, 'patch')).toBe('1.0.0');
    expect(nextVersion('1.2.3', 'patch')).toBe('1.2.4');
    expect(nextVersion('1.2.3', 'minor')).toBe('1.3.0');
    expect(nextVersion('1.2.3', 'major')).toBe('2.0.0');
  });

  it('gives sort keys that sort like the versions where a plain byte order would not', () => {
    const pairs: [string, string][] = [
      ['1.0.0-rc.999999', '1.0.0-rc.1000'],
      ['999999.0.0', '99999.9.9'],
      ['1.0.0-a-b', '1.0.0-a.b'],
      ['1.0.0', '1.0.0-zzz'],
      ['1.0.0-a.0', '1.0.0-a'],
      ['1.0.0-alpha', '1.0.0-999999'],
    ];
    for (const [greater, lesser] of pairs) {
      expect(compareVersions(greater, lesser)).toBe(1);
      expect(versionSortKey(greater) > versionSortKey(lesser), `${greater} > ${lesser}`).toBe(true);
    }
  });

  it('refuses numbers the sort key cannot represent', () => {
    for (const version of ['1000000.0.0', '1.1000000.0', '1.0.0-rc.1000000']) {
      expect(isValidVersion(version)).toBe(false);
      expect(() => assertVersion(version)).toThrow(/numbers up to 999999/);
    }
    expect(isValidVersion('999999.999999.999999-rc.999999')).toBe(true);
  });

  it('gives sort keys that sort like the versions (property)', () => {
    const version = fc
      .tuple(
        fc.nat(999_999),
        fc.nat(999_999),
        fc.nat(999_999),
        fc.option(
          fc.array(
            fc.oneof(
              fc.nat(999_999),
              fc.constantFrom('alpha', 'beta', 'rc', 'a', 'a-b', 'b', '-', 'A', 'z9'),
              // any identifier semver allows: alphanumerics and hyphens, no leading zero on numbers
              fc.stringMatching(/^[0-9A-Za-z-]{1,5}$/).filter((id) => !/^0\d/.test(id)),
            ),
            { minLength: 1, maxLength: 3 },
          ),
        ),
      )
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}`);
    fc.assert(
      fc.property(version, version, (a, b) => {
        const bySemver = Math.sign(compareVersions(a, b));
        const byKey = Math.sign(
          versionSortKey(a) < versionSortKey(b) ? -1 : versionSortKey(a) > versionSortKey(b) ? 1 : 0,
        );
        expect(byKey).toBe(bySemver);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('impliedBump', () => {
  it('is none for identical documents', () => {
    expect(impliedBump(base, textDocument())).toEqual({ level: 'none', reasons: [] });
  });

  it.each<[string, PromptDocument, BumpLevel, RegExp]>([
    [
      'a variable removed',
      {
        ...base,
        variables: { customer_name: base.variables.customer_name!, ticket: base.variables.ticket! },
      },
      'major',
      /variable "tone" removed/,
    ],
    [
      'a variable renamed',
      {
        ...base,
        variables: {
          client_name: base.variables.customer_name!,
          ticket: base.variables.ticket!,
          tone: base.variables.tone!,
        },
      },
      'major',
      /variable "customer_name" renamed to "client_name"/,
    ],
    [
      'a variable made required',
      { ...base, variables: { ...base.variables, tone: { type: 'string', required: true } } },
      'major',
      /"tone" is now required/,
    ],
    [
      'a variable type changed',
      { ...base, variables: { ...base.variables, ticket: { type: 'number', required: true } } },
      'major',
      /"ticket" changed type from string to number/,
    ],
    [
      'a required variable added',
      { ...base, variables: { ...base.variables, locale: { type: 'string', required: true } } },
      'major',
      /required variable "locale" added/,
    ],
    [
      'the output format changed',
      withSection(base, 'output_format', 'JSON only.'),
      'major',
      /section "output_format" text changed/,
    ],
    [
      'an optional variable added',
      { ...base, variables: { ...base.variables, locale: { type: 'string', required: false } } },
      'minor',
      /optional variable "locale" added/,
    ],
    ['a section added', withSection(base, 'examples', 'Q: hi'), 'minor', /section "examples" added/],
    [
      'a section removed',
      { ...base, sections: base.sections.filter((s) => s.name !== 'guardrails') },
      'minor',
      /section "guardrails" removed/,
    ],
    [
      'a variable made optional',
      { ...base, variables: { ...base.variables, ticket: { type: 'string', required: false } } },
      'minor',
      /"ticket" is now optional/,
    ],
    [
      'the model changed',
      { ...base, model: { ...base.model, id: 'other-model' } },
      'minor',
      /model id changed/,
    ],
    [
      'instructions text changed',
      withSection(base, 'instructions', 'Be nice. {{ticket}} {{tone}}'),
      'patch',
      /"instructions" text changed/,
    ],
    [
      'the temperature changed',
      { ...base, model: { ...base.model, temperature: 0.7 } },
      'patch',
      /model temperature changed from 0.2 to 0.7/,
    ],
    ['the description changed', { ...base, description: 'New' }, 'patch', /description changed/],
    [
      'a default changed',
      {
        ...base,
        variables: { ...base.variables, tone: { type: 'string', required: false, default: 'formal' } },
      },
      'patch',
      /default of variable "tone" changed/,
    ],
  ])('%s', (_label, next, level, reason) => {
    const result = impliedBump(base, next);
    expect(result.level).toBe(level);
    expect(result.reasons.join('\n')).toMatch(reason);
    expect(result.reasons[0]?.startsWith(`${level}: `)).toBe(true);
  });

  it('treats a kind change as major', () => {
    const chat: PromptDocument = {
      ...base,
      kind: 'chat',
      sections: [{ name: 'user', content: '{{ticket}}' }],
    };
    expect(impliedBump(base, chat).level).toBe('major');
  });

  it('compares chat messages by position', () => {
    const a: PromptDocument = { ...base, kind: 'chat', sections: [{ name: 'system', content: 'x' }] };
    expect(impliedBump(a, { ...a, sections: [{ name: 'system', content: 'y' }] }).level).toBe('patch');
    expect(impliedBump(a, { ...a, sections: [...a.sections, { name: 'user', content: 'q' }] }).level).toBe(
      'minor',
    );
  });

  // Variable mutations touch only the original document's variables (not the zz_ ones added by
  // another mutation), so a later mutation cannot cancel or soften an earlier one.
  type Mutation = { level: BumpLevel; apply: (doc: PromptDocument) => PromptDocument | undefined };
  const mutations: Mutation[] = [
    {
      level: 'major',
      apply: (doc) => {
        const first = Object.keys(doc.variables).find((name) => !name.startsWith('zz_'));
        if (!first) return undefined;
        const { [first]: _gone, ...rest } = doc.variables;
        return { ...doc, variables: rest };
      },
    },
    {
      level: 'major',
      apply: (doc) => ({
        ...doc,
        variables: { ...doc.variables, zz_new_required: { type: 'string', required: true } },
      }),
    },
    {
      level: 'minor',
      apply: (doc) => ({
        ...doc,
        variables: { ...doc.variables, zz_new_optional: { type: 'string', required: false } },
      }),
    },
    {
      level: 'major',
      apply: (doc) => {
        const entry = Object.entries(doc.variables).find(
          ([n, s]) => !n.startsWith('zz_') && s.type !== 'boolean',
        );
        if (!entry) return undefined;
        return {
          ...doc,
          variables: { ...doc.variables, [entry[0]]: { type: 'boolean', required: entry[1].required } },
        };
      },
    },
    {
      level: 'major',
      apply: (doc) => {
        const entry = Object.entries(doc.variables).find(([n, s]) => !n.startsWith('zz_') && !s.required);
        if (!entry) return undefined;
        return {
          ...doc,
          variables: { ...doc.variables, [entry[0]]: { type: entry[1].type, required: true } },
        };
      },
    },
    {
      level: 'major',
      apply: (doc) =>
        doc.kind === 'text'
          ? withSection(
              doc,
              'output_format',
              `${doc.sections.find((s) => s.name === 'output_format')?.content ?? ''} changed`,
            )
          : undefined,
    },
    {
      level: 'minor',
      apply: (doc) =>
        doc.kind === 'text' && !doc.sections.some((s) => s.name === 'zz_extra')
          ? withSection(doc, 'zz_extra', 'More.')
          : undefined,
    },
    {
      level: 'patch',
      apply: (doc) => ({
        ...doc,
        sections: doc.sections.map((s, i) => (i === 0 ? { ...s, content: `${s.content} (edited)` } : s)),
      }),
    },
    { level: 'patch', apply: (doc) => ({ ...doc, description: `${doc.description ?? ''} (edited)` }) },
  ];

  it('is never below what the change implies (property)', () => {
    fc.assert(
      fc.property(
        documentArb,
        fc.array(fc.nat(mutations.length - 1), { minLength: 1, maxLength: 3 }),
        (doc, picks) => {
          let next = doc;
          let expected = 0;
          for (const pick of picks) {
            const mutation = mutations[pick]!;
            const mutated = mutation.apply(next);
            if (!mutated) continue;
            next = mutated;
            expected = Math.max(expected, bumpRank(mutation.level));
          }
          expect(bumpRank(impliedBump(doc, next).level)).toBeGreaterThanOrEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('decidePublishVersion', () => {
  const latest = { version: '1.2.3', document: base };

  it('starts at 1.0.0, or the given version', () => {
    expect(decidePublishVersion({ document: base })).toEqual({
      version: '1.0.0',
      bump: { level: 'major', reasons: ['major: first version'] },
      unchanged: false,
    });
    expect(decidePublishVersion({ document: base, version: '0.1.0' }).version).toBe('0.1.0');
  });

  it('bumps by the implied level with its reasons', () => {
    const decision = decidePublishVersion({ document: { ...base, description: 'x' }, latest });
    expect(decision.version).toBe('1.2.4');
    expect(decision.bump).toEqual({ level: 'patch', reasons: ['patch: description changed'] });
  });

  it('says unchanged when the document is identical and no version was asked for', () => {
    expect(decidePublishVersion({ document: base, latest })).toEqual({
      version: '1.2.3',
      bump: { level: 'none', reasons: [] },
      unchanged: true,
    });
  });

  it('honours a larger explicit bump and rejects a smaller one', () => {
    const changed = withSection(base, 'output_format', 'JSON');
    expect(
      decidePublishVersion({ document: { ...base, description: 'x' }, latest, bump: 'minor' }).version,
    ).toBe('1.3.0');
    expect(() => decidePublishVersion({ document: changed, latest, bump: 'patch' })).toThrow(ValidationError);
    expect(() => decidePublishVersion({ document: changed, latest, bump: 'patch' })).toThrow(
      /bump "patch" is below what the change implies \(major\): major: section "output_format" text changed/,
    );
  });

  it('accepts a given version that covers the change', () => {
    const decision = decidePublishVersion({
      document: { ...base, description: 'x' },
      latest,
      version: '2.0.0',
    });
    expect(decision.version).toBe('2.0.0');
    expect(decision.bump.level).toBe('major');
  });

  it('rejects a given version below the implied change', () => {
    const changed = withSection(base, 'output_format', 'JSON');
    expect(() => decidePublishVersion({ document: changed, latest, version: '1.2.4' })).toThrow(
      /version 1.2.4 is a patch step/,
    );
  });

  it('rejects a given version not greater than the latest with VERSION_NOT_GREATER', () => {
    expect(() => decidePublishVersion({ document: base, latest, version: '1.2.3' })).toThrow(
      VersionNotGreaterError,
    );
    expect(() => decidePublishVersion({ document: base, latest, version: '1.0.0' })).toThrow(
      /not greater than the latest version 1.2.3/,
    );
  });

  it('rejects an invalid given version', () => {
    expect(() => decidePublishVersion({ document: base, version: 'v2' })).toThrow(ValidationError);
  });
});
