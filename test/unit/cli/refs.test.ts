import { describe, expect, it } from 'vitest';
import { pinsFromArguments } from '../../../src/cli/commands/deploy.ts';
import { UsageError } from '../../../src/cli/errors.ts';
import { describePin, parseSplit, parseVersionRef } from '../../../src/cli/refs.ts';

describe('Function: parseVersionRef', () => {
  it('splits <id>@<version>, prerelease versions included', () => {
    expect(parseVersionRef('support-reply@1.2.0')).toEqual({ id: 'support-reply', version: '1.2.0' });
    expect(parseVersionRef('a1@2.0.0-rc.1')).toEqual({ id: 'a1', version: '2.0.0-rc.1' });
  });

  it.each([
    ['support-reply', /use <id>@<version>/],
    ['support-reply@', /use <id>@<version>/],
    ['@1.0.0', /use <id>@<version>/],
    ['Support_Reply@1.0.0', /"Support_Reply" is not a prompt id/],
    ['support-reply@v1.2.0', /"v1.2.0" is not a semantic version/],
    ['support-reply@1.2', /"1.2" is not a semantic version/],
  ])('refuses %j as a usage error naming the problem', (value, message) => {
    expect(() => parseVersionRef(value)).toThrow(UsageError);
    expect(() => parseVersionRef(value)).toThrow(message);
  });
});

describe('Function: parseSplit', () => {
  it('reads weighted variants', () => {
    expect(parseSplit('support-reply=1.2.0:90,1.3.0:10')).toEqual({
      id: 'support-reply',
      pin: {
        variants: [
          { version: '1.2.0', weight: 90 },
          { version: '1.3.0', weight: 10 },
        ],
      },
    });
  });

  it.each([
    ['support-reply', /use --split <id>=/],
    ['support-reply=1.2.0:100', /at least two versions/],
    ['support-reply=1.2.0:90,1.3.0:20', /weights must sum to 100, got 110/],
    ['support-reply=1.2.0:50,1.2.0:50', /appears twice/],
    ['support-reply=1.2.0:50,1.3.0', /"1.3.0" is not <version>:<weight>/],
    ['support-reply=1.2.0:50.5,1.3.0:49.5', /weight must be a whole number/],
    ['BAD=1.2.0:50,1.3.0:50', /not a valid prompt id/],
  ])('refuses %j', (value, message) => {
    expect(() => parseSplit(value)).toThrow(UsageError);
    expect(() => parseSplit(value)).toThrow(message);
  });
});

describe('Function: pinsFromArguments', () => {
  it('merges versions and splits into one pin set', () => {
    expect(pinsFromArguments(['a1@1.0.0'], ['b2=1.0.0:50,1.1.0:50'])).toEqual({
      a1: '1.0.0',
      b2: {
        variants: [
          { version: '1.0.0', weight: 50 },
          { version: '1.1.0', weight: 50 },
        ],
      },
    });
  });

  it('refuses a prompt given twice, and nothing at all', () => {
    expect(() => pinsFromArguments(['a1@1.0.0'], ['a1=1.0.0:50,1.1.0:50'])).toThrow(
      /a1 is given more than once/,
    );
    expect(() => pinsFromArguments([], [])).toThrow(/Name what to deploy/);
  });
});

describe('Function: describePin', () => {
  it('shows a version, or each variant with its share', () => {
    expect(describePin('1.0.0')).toBe('1.0.0');
    expect(
      describePin({
        variants: [
          { version: '1.0.0', weight: 90 },
          { version: '1.1.0', weight: 10 },
        ],
      }),
    ).toBe('1.0.0 (90%) / 1.1.0 (10%)');
  });
});
