import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ArchiveEntry,
  ArchiveError,
  buildArchive,
  canonicalJson,
  classify,
  parseArchive,
  portableItem,
  serializeArchive,
} from '../../../src/cli/archive.ts';
import { sha256Hex } from '../../../src/core/hash.ts';

const text = '---\nid: a1\n---\n## role\nHi\n';
const sha = sha256Hex(text);
const version = {
  pk: 'PROMPT#a1',
  sk: 'VERSION#00001.00000.00000~',
  id: 'a1',
  version: '1.0.0',
  sha256: sha,
  createdBy: 'arn:aws:iam::1:user/alice',
  createdAt: '2026-11-22T10:00:00.000Z',
  approvals: { 'arn:aws:iam::1:user/bob': { at: '2026-11-22T11:00:00.000Z' } },
};
const entries: ArchiveEntry[] = [
  { key: 'version:a1@1.0.0', kind: 'version', table: 'main', item: version },
  { key: `document:${sha}`, kind: 'document', sha256: sha, text },
  {
    key: 'environment:prod',
    kind: 'environment',
    table: 'main',
    item: {
      pk: 'ENV#prod',
      sk: 'STATE',
      environment: 'prod',
      revision: 2,
      lastRevision: 2,
      pins: { a1: '1.0.0' },
    },
  },
];

const archiveText = () =>
  serializeArchive(buildArchive(entries, { stack: 'test' }, '2026-11-22T12:00:00.000Z'));

describe('Function: canonicalJson', () => {
  it('sorts keys at every level, so equal data gives equal text', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}',
    );
  });

  it('refuses values JSON would lose', () => {
    expect(() => canonicalJson({ tags: new Set(['x']) })).toThrow('$.tags is a set or binary value');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow('$.n is NaN');
  });
});

describe('Function: classify', () => {
  it('recognises every kind the archive carries by its keys', () => {
    expect(classify({ pk: 'PROMPTS', sk: 'PROMPT#a1', id: 'a1' }, 'main')).toEqual({
      kind: 'prompt',
      key: 'prompt:a1',
    });
    expect(classify(version, 'main')).toEqual({ kind: 'version', key: 'version:a1@1.0.0' });
    expect(classify({ pk: 'ENV#dev', sk: 'REVISION#0000000003', revision: 3 }, 'main')).toEqual({
      kind: 'revision',
      key: 'revision:dev/3',
    });
    expect(classify({ pk: 'AUDIT#e1', sk: 'EVENT', eventId: 'e1' }, 'main')).toEqual({
      kind: 'audit',
      key: 'audit:e1',
    });
    expect(
      classify(
        {
          pk: 'FEEDBACK#prod#a1#1.0.0',
          sk: 'AGGREGATE#2026-11-22',
          environment: 'prod',
          promptId: 'a1',
          version: '1.0.0',
          day: '2026-11-22',
        },
        'feedback',
      ),
    ).toEqual({ kind: 'feedback-aggregate', key: 'feedback:prod/a1@1.0.0/2026-11-22' });
  });

  it('carries single feedback items, keyed by their id', () => {
    const item = {
      pk: 'FEEDBACK#prod#a1#1.0.0',
      sk: 'ITEM#2026-11-22T10:00:00.000Z#fb1',
      environment: 'prod',
      promptId: 'a1',
      version: '1.0.0',
      at: '2026-11-22T10:00:00.000Z',
      feedbackId: 'fb1',
      rating: 1,
      expiresAt: 1800000000,
    };
    expect(classify(item, 'feedback')).toEqual({ kind: 'feedback', key: 'feedback-item:prod/a1@1.0.0/fb1' });
    expect(classify({ ...item, feedbackId: 'fb2' }, 'feedback')).toBeUndefined();
  });

  it('leaves out items whose fields contradict their keys', () => {
    expect(classify({ pk: 'FEEDBACK#prod#a1#1.0.0', sk: 'ITEM#2026#x' }, 'feedback')).toBeUndefined();
    expect(classify({ ...version, id: 'b2' }, 'main')).toBeUndefined();
  });
});

describe('Function: portableItem', () => {
  it("drops the source's AppConfig deployment from an environment, keeping pins and revisions", () => {
    expect(
      portableItem('environment', {
        pk: 'ENV#prod',
        sk: 'STATE',
        revision: 2,
        pins: { a1: '1.0.0' },
        deployment: { number: 7 },
        pendingRevision: 3,
        pendingUntil: 'x',
      }),
    ).toEqual({ pk: 'ENV#prod', sk: 'STATE', revision: 2, pins: { a1: '1.0.0' } });
  });
});

describe('Function: parseArchive', () => {
  it('verifies an archive written before canonical JSON came from the canonicalize package', () => {
    // As the hand-rolled canonical JSON wrote it (a .txt, so the formatter keeps its bytes): non-ASCII keys and text, nested keys, 1e21 and -0.
    const text = readFileSync(new URL('./archive-format-1.txt', import.meta.url), 'utf8');
    const archive = parseArchive(text);
    expect(archive.entries.map((e) => e.key)).toEqual([
      'document:6fd3d012943414bfac795d58a5a49a5a656bcdee29fdf5477e7f08743b56e014',
      'version:greeting@1.2.3',
      'environment:prod',
    ]);
    expect(
      serializeArchive(buildArchive(archive.entries, { stack: 'PromptOps' }, '2026-01-02T03:04:05.000Z')),
    ).toBe(text);
  });

  it('reads back what was written, checksums verified', () => {
    const archive = parseArchive(archiveText());
    expect(archive.counts).toMatchObject({ document: 1, version: 1, environment: 1, prompt: 0 });
    expect(archive.entries.map((e) => e.key)).toEqual([
      `document:${sha}`,
      'version:a1@1.0.0',
      'environment:prod',
    ]);
  });

  it('names an entry changed after export', () => {
    const tampered = archiveText().replace('user/alice', 'user/mallory');
    const error = (() => {
      try {
        parseArchive(tampered);
      } catch (e) {
        return e as ArchiveError;
      }
    })();
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error?.problems).toEqual(['version:a1@1.0.0: checksum mismatch (the entry was changed)']);
  });

  it('catches an entry changed together with its checksum, by the archive checksum', () => {
    const archive = JSON.parse(archiveText());
    archive.entries[1].item.createdBy = 'arn:aws:iam::1:user/mallory';
    archive.checksums['version:a1@1.0.0'] = sha256Hex(canonicalJson(archive.entries[1]));
    expect(() => parseArchive(JSON.stringify(archive))).toThrow(ArchiveError);
    try {
      parseArchive(JSON.stringify(archive));
    } catch (e) {
      expect((e as ArchiveError).problems).toEqual([
        'the archive checksum does not match its checksum list and counts',
      ]);
    }
  });

  it('notices a removed entry and a document whose text does not match its hash', () => {
    const archive = JSON.parse(archiveText());
    archive.entries.splice(2, 1);
    archive.entries[0].text = 'altered';
    try {
      parseArchive(JSON.stringify(archive));
      expect.unreachable();
    } catch (e) {
      expect((e as ArchiveError).problems).toEqual([
        `document:${sha}: checksum mismatch (the entry was changed)`,
        `document:${sha}: the text does not hash to its sha256`,
        'environment:prod: listed in the checksums but missing',
        'environment: the archive says 1, it holds 0',
      ]);
    }
  });

  it('refuses files that are not archives', () => {
    expect(() => parseArchive('not json')).toThrow(/not JSON/);
    expect(() => parseArchive('{"format":"other"}')).toThrow(/not a PromptOps archive/);
    expect(() => parseArchive(JSON.stringify({ ...JSON.parse(archiveText()), formatVersion: 9 }))).toThrow(
      /version 9 is not supported/,
    );
  });
});
