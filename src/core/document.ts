/**
 * The `.prompt.md` document: YAML front matter (id, description, owner, model, variables, tags,
 * metadata) and a body of named sections. Parsing validates every field and names the line of each
 * problem; serializing gives the canonical text that is hashed, stored and diffed.
 */
import { isMap, LineCounter, parseDocument, stringify } from 'yaml';
import { type DocumentIssue, DocumentParseError, displayValue } from './errors.ts';
import { splitFrontMatter } from './front-matter.ts';
import { isVariableName, promptIdProblem, VARIABLE_NAME_RULE } from './ids.ts';
import { type PromptKind, parseBody, type Section, type SectionPosition, serializeBody } from './sections.ts';
import { isVariableType, VARIABLE_TYPES, type VariableSpec, valueFitsType } from './variables.ts';

/** Model settings. Known keys are type-checked; other keys pass through to the model provider. */
export interface ModelSettings {
  readonly provider?: string;
  readonly id?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly stopSequences?: readonly string[];
  readonly [setting: string]: unknown;
}

export interface PromptDocument {
  readonly id: string;
  readonly description?: string;
  readonly owner?: string;
  readonly model?: ModelSettings;
  readonly variables: Readonly<Record<string, VariableSpec>>;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly kind: PromptKind;
  readonly sections: readonly Section[];
}

/** Where things are in the source text, for lint findings. */
export interface DocumentSourceMap {
  readonly bodyLine: number;
  readonly sections: readonly SectionPosition[];
  /** 1-based line of a front matter path such as `model.temperature`, or undefined. */
  line(path: readonly (string | number)[]): number | undefined;
}

export interface ParsedDocument {
  readonly document: PromptDocument;
  readonly source: DocumentSourceMap;
}

const FRONT_MATTER_KEYS = ['id', 'description', 'owner', 'model', 'variables', 'tags', 'metadata'] as const;
const VARIABLE_KEYS = ['type', 'required', 'default', 'description'];
const MODEL_STRING_KEYS = ['provider', 'id'];
/** The front matter starts on line 2, after the opening `---`. */
const FRONT_MATTER_FIRST_LINE = 2;

export function parsePromptDocument(text: string): PromptDocument {
  return parsePromptDocumentWithSource(text).document;
}

export function parsePromptDocumentWithSource(text: string): ParsedDocument {
  const split = splitFrontMatter(text);
  if (!split) {
    throw new DocumentParseError([
      {
        path: 'frontMatter',
        line: 1,
        message:
          'the document must start with YAML front matter between two "---" lines (id, description, variables...)',
      },
    ]);
  }

  const lineCounter = new LineCounter();
  const yamlDoc = parseDocument(split.frontMatter, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    schema: 'core',
  });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line + FRONT_MATTER_FIRST_LINE - 1;
  const yamlErrors = yamlDoc.errors.map((e) => ({
    path: 'frontMatter',
    line: lineAt(e.pos[0]),
    message: `YAML: ${e.message.split('\n')[0]}`,
  }));
  if (yamlErrors.length > 0) throw new DocumentParseError(yamlErrors);

  const locate = (path: readonly (string | number)[]): number | undefined => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = yamlDoc.getIn(path.slice(0, depth), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) return lineAt(node.range[0]);
    }
    return yamlDoc.contents?.range ? lineAt(yamlDoc.contents.range[0]) : FRONT_MATTER_FIRST_LINE;
  };

  const issues: DocumentIssue[] = [];
  const issue = (path: readonly (string | number)[], message: string) =>
    issues.push({ path: path.join('.') || 'frontMatter', line: locate(path) ?? 1, message });

  let data: unknown;
  try {
    data = yamlDoc.toJS({ maxAliasCount: 20 });
  } catch (cause) {
    throw new DocumentParseError(
      [{ path: 'frontMatter', line: FRONT_MATTER_FIRST_LINE, message: `YAML: ${(cause as Error).message}` }],
      {
        cause,
      },
    );
  }
  if (!isMap(yamlDoc.contents) || !isPlainObject(data)) {
    issue([], 'the front matter must be a YAML mapping with at least an "id"');
    throw new DocumentParseError(issues);
  }
  for (const key of Object.keys(data)) {
    if (!(FRONT_MATTER_KEYS as readonly string[]).includes(key)) {
      issue(
        [key],
        `unknown front matter key "${key}": allowed keys are ${FRONT_MATTER_KEYS.join(', ')} (put your own data under metadata)`,
      );
    }
  }

  const id = data.id;
  const idProblem = promptIdProblem(id);
  if (id === undefined) issue([], 'the front matter needs an "id", for example "id: support-reply"');
  else if (idProblem) issue(['id'], idProblem);

  const optionalString = (key: 'description' | 'owner') => {
    const value = data[key];
    if (value !== undefined && typeof value !== 'string')
      issue([key], `${key} must be text, got ${displayValue(value)}`);
  };
  optionalString('description');
  optionalString('owner');

  const model = data.model;
  if (model !== undefined) {
    if (!isPlainObject(model))
      issue(['model'], 'model must be a mapping such as { provider: bedrock, id: ..., temperature: 0.2 }');
    else {
      for (const key of MODEL_STRING_KEYS) {
        if (model[key] !== undefined && typeof model[key] !== 'string')
          issue(['model', key], `model.${key} must be text`);
      }
      for (const key of ['temperature', 'topP']) {
        if (model[key] !== undefined && (typeof model[key] !== 'number' || !Number.isFinite(model[key]))) {
          issue(['model', key], `model.${key} must be a number, got ${displayValue(model[key])}`);
        }
      }
      if (model.maxTokens !== undefined && !Number.isInteger(model.maxTokens)) {
        issue(
          ['model', 'maxTokens'],
          `model.maxTokens must be a whole number, got ${displayValue(model.maxTokens)}`,
        );
      }
      const stops = model.stopSequences;
      if (stops !== undefined && !(Array.isArray(stops) && stops.every((s) => typeof s === 'string'))) {
        issue(['model', 'stopSequences'], 'model.stopSequences must be a list of strings');
      }
    }
  }

  const variables: Record<string, VariableSpec> = {};
  const rawVariables = data.variables ?? {};
  if (!isPlainObject(rawVariables)) {
    issue(['variables'], 'variables must be a mapping of name to { type, required, default, description }');
  } else {
    for (const [name, raw] of Object.entries(rawVariables)) {
      const path = ['variables', name];
      if (!isVariableName(name)) {
        issue(path, `variable name ${displayValue(name)} is invalid: use ${VARIABLE_NAME_RULE}`);
        continue;
      }
      const spec = raw ?? {};
      if (!isPlainObject(spec)) {
        issue(path, `variable "${name}" must be a mapping such as { type: string, required: true }`);
        continue;
      }
      const unknown = Object.keys(spec).filter((k) => !VARIABLE_KEYS.includes(k));
      for (const key of unknown)
        issue(
          [...path, key],
          `unknown key "${key}" in variable "${name}": allowed keys are ${VARIABLE_KEYS.join(', ')}`,
        );
      const type = spec.type ?? 'string';
      if (!isVariableType(type)) {
        issue(
          [...path, 'type'],
          `variable "${name}" has type ${displayValue(type)}: use one of ${VARIABLE_TYPES.join(', ')}`,
        );
        continue;
      }
      if (spec.required !== undefined && typeof spec.required !== 'boolean') {
        issue([...path, 'required'], `variables.${name}.required must be true or false`);
        continue;
      }
      if (spec.description !== undefined && typeof spec.description !== 'string') {
        issue([...path, 'description'], `variables.${name}.description must be text`);
      }
      const hasDefault = spec.default !== undefined && spec.default !== null;
      if (hasDefault && !valueFitsType(type, spec.default)) {
        issue(
          [...path, 'default'],
          `the default of "${name}" must be a ${type}, got ${displayValue(spec.default)}`,
        );
        continue;
      }
      if (hasDefault && spec.required === true) {
        issue(
          [...path, 'required'],
          `variable "${name}" is required but has a default: set required: false or remove the default`,
        );
        continue;
      }
      variables[name] = {
        type,
        required: spec.required ?? !hasDefault,
        ...(hasDefault ? { default: spec.default as string | number | boolean } : {}),
        ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      };
    }
  }

  const tags = data.tags;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    issue(['tags'], 'tags must be a list of strings, for example [support, email]');
  }
  if (data.metadata !== undefined && !isPlainObject(data.metadata))
    issue(['metadata'], 'metadata must be a mapping');

  let body: ReturnType<typeof parseBody> | undefined;
  try {
    body = parseBody(split.body, split.bodyLine);
  } catch (error) {
    if (!(error instanceof DocumentParseError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || !body) throw new DocumentParseError(issues.sort((a, b) => a.line - b.line));

  // Keys in canonical (sorted) order, so equal documents are equal objects and JSON.
  const document: PromptDocument = {
    id: id as string,
    ...(typeof data.description === 'string' ? { description: data.description } : {}),
    ...(typeof data.owner === 'string' ? { owner: data.owner } : {}),
    ...(isPlainObject(model) ? { model: sortedKeys(model) as ModelSettings } : {}),
    variables: Object.fromEntries(sortedEntries(variables)),
    ...(Array.isArray(tags) ? { tags: tags as string[] } : {}),
    ...(isPlainObject(data.metadata)
      ? { metadata: sortedKeys(data.metadata) as Record<string, unknown> }
      : {}),
    kind: body.kind,
    sections: body.sections,
  };
  return {
    document,
    source: { bodyLine: split.bodyLine, sections: body.positions, line: locate },
  };
}

/**
 * The canonical text of a document: fixed order for the known keys, sorted keys in `model`,
 * `variables` and `metadata` (their order means nothing, so reordering them changes no hash), LF line
 * endings, no folding.
 */
export function serializePromptDocument(document: PromptDocument): string {
  const frontMatter: Record<string, unknown> = { id: document.id };
  if (document.description !== undefined) frontMatter.description = document.description;
  if (document.owner !== undefined) frontMatter.owner = document.owner;
  if (document.model !== undefined) frontMatter.model = sortedKeys(document.model);
  if (Object.keys(document.variables).length > 0) {
    frontMatter.variables = Object.fromEntries(
      sortedEntries(document.variables).map(([name, spec]) => [
        name,
        {
          type: spec.type,
          required: spec.required,
          ...(spec.default !== undefined ? { default: spec.default } : {}),
          ...(spec.description !== undefined ? { description: spec.description } : {}),
        },
      ]),
    );
  }
  if (document.tags !== undefined) frontMatter.tags = document.tags;
  if (document.metadata !== undefined) frontMatter.metadata = sortedKeys(document.metadata);
  const yaml = stringify(frontMatter, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
  return `---\n${yaml}---\n${serializeBody(document.sections)}`;
}

/** The body text (sections only) of a document, as the manifest carries it. */
export function documentBody(document: PromptDocument): string {
  return serializeBody(document.sections);
}

function sortedEntries<T>(object: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A copy with every plain object's keys sorted, at any depth. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(sortedEntries(value).map(([key, inner]) => [key, sortedKeys(inner)]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
