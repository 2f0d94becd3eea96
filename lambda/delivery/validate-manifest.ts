/**
 * The AppConfig configuration validator: a manifest may only be deployed when it matches the
 * schema, every document it names (segment pins' and shadows' included) exists with the right hash and passes lint, and inline bodies
 * are exactly those documents' bodies.
 */
import { bodyObjectKey } from '../../src/core/contracts.ts';
import {
  documentBody,
  parsePromptDocument,
  serializePromptDocument,
  sortedKeys,
} from '../../src/core/document.ts';
import { lintDocument } from '../../src/core/lint/index.ts';
import {
  type Manifest,
  type ManifestPin,
  type ManifestVersion,
  parseManifest,
} from '../../src/core/manifest.ts';
import type { BodyStore } from '../ports.ts';

export class ManifestRejectedError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `PromptOps rejected the manifest: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`,
    );
    this.name = 'ManifestRejectedError';
    this.problems = problems;
  }
}

export async function validateManifest(bodies: BodyStore, content: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = parseManifest(content);
  } catch (error) {
    const fields = (error as { errors?: { path: string; message: string }[] }).errors;
    throw new ManifestRejectedError(
      fields?.length ? fields.map((f) => `${f.path}: ${f.message}`) : [(error as Error).message],
    );
  }
  const checks: { id: string; at: string; entry: ManifestVersion }[] = [];
  const pin = (id: string, entry: ManifestPin, segment?: string) => {
    const where = (version: string) =>
      `${id}@${version}${segment === undefined ? '' : ` (segment ${segment})`}`;
    checks.push({ id, at: where(entry.version), entry });
    for (const variant of entry.variants ?? [])
      checks.push({ id, at: where(variant.version), entry: variant });
  };
  for (const [id, entry] of Object.entries(manifest.prompts)) {
    pin(id, entry);
    // Segment pins (docs/segments.md) are checked like the default.
    for (const [segment, segmentPin] of Object.entries(entry.segments ?? {})) pin(id, segmentPin, segment);
    // The shadow runs on production inputs (docs/shadows.md): checked like any pinned version.
    if (entry.shadow) checks.push({ id, at: `${id}@${entry.shadow.version} (shadow)`, entry: entry.shadow });
  }
  const problems = (
    await Promise.all(checks.map(({ id, at, entry }) => checkEntry(bodies, id, at, entry)))
  ).flat();
  if (problems.length > 0) throw new ManifestRejectedError(problems);
  return manifest;
}

async function checkEntry(
  bodies: BodyStore,
  id: string,
  at: string,
  entry: ManifestVersion,
): Promise<string[]> {
  // Read from the store every time (never a cache): the point is that the object is there now.
  let text: string | undefined;
  try {
    text = await bodies.get(entry.sha256);
  } catch (error) {
    return [`${at}: the stored document does not match sha256 ${entry.sha256} (${(error as Error).message})`];
  }
  if (text === undefined) return [`${at}: no document with sha256 ${entry.sha256} in the body store`];
  const document = parsePromptDocument(text);
  const problems: string[] = [];
  if (document.id !== id)
    problems.push(`${at}: the document with sha256 ${entry.sha256} is prompt ${document.id}`);
  const lint = lintDocument(serializePromptDocument(document));
  for (const finding of lint.findings.filter((f) => f.severity === 'error')) {
    problems.push(
      `${at}: lint ${finding.rule}${finding.line ? ` line ${finding.line}` : ''}: ${finding.message}`,
    );
  }
  if (entry.body !== undefined && entry.body !== documentBody(document))
    problems.push(`${at}: the inline body differs from the stored document`);
  if (entry.bodyRef && entry.bodyRef.key !== bodyObjectKey(entry.sha256)) {
    problems.push(
      `${at}: bodyRef.key ${entry.bodyRef.key} is not the document's key ${bodyObjectKey(entry.sha256)}`,
    );
  }
  // Key order means nothing (manifests built before documents were key-sorted keep theirs).
  if (JSON.stringify(sortedKeys(entry.variables)) !== JSON.stringify(sortedKeys(document.variables)))
    problems.push(`${at}: variables differ from the stored document`);
  return problems;
}
