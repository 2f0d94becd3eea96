/**
 * JSON Schema (draft-04, the dialect AppConfig's JSON Schema validator accepts) for the manifest.
 * The CDK stack attaches it to the configuration profile; a test validates built manifests with it.
 */

import { MANIFEST_SCHEMA_VERSION, REFERENCING_MANIFEST_SCHEMA_VERSION } from './manifest.ts';
import { VERSION_REF } from './manifest-check-refs.ts';
import { MAX_SEGMENTS_PER_PROMPT, SEGMENT_NAME } from './segments.ts';

const variableSpec = {
  type: 'object',
  required: ['type', 'required'],
  properties: {
    type: { enum: ['string', 'number', 'integer', 'boolean'] },
    required: { type: 'boolean' },
    default: { type: ['string', 'number', 'boolean'] },
    description: { type: 'string' },
  },
  additionalProperties: false,
};

const promptVersionProperties = {
  version: { type: 'string', minLength: 1, maxLength: 64 },
  sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  kind: { enum: ['text', 'chat'] },
  model: { type: 'object' },
  variables: {
    type: 'object',
    patternProperties: { '^[A-Za-z_][A-Za-z0-9_]{0,63}$': variableSpec },
    additionalProperties: false,
  },
  body: { type: 'string' },
  /** The body's compiled program (manifest-program.ts); the validator checks it is the body's. */
  program: {
    type: 'object',
    required: ['ops', 'texts', 'slots'],
    properties: {
      ops: { type: 'array', items: { type: 'integer', minimum: 0 } },
      texts: { type: 'array', items: { type: 'string' } },
      slots: { type: 'array', items: { type: 'string' } },
      roles: { type: 'array', items: { enum: ['system', 'user', 'assistant'] } },
    },
    additionalProperties: false,
  },
  deprecated: { enum: [true] },
  bodyRef: {
    type: 'object',
    required: ['key', 'size'],
    properties: {
      bucket: { type: 'string', minLength: 3 },
      key: { type: 'string', minLength: 1 },
      size: { type: 'integer', minimum: 0 },
    },
    additionalProperties: false,
  },
};

const bodyOrRef = [{ required: ['body'] }, { required: ['bodyRef'] }];

const pinProperties = {
  ...promptVersionProperties,
  variants: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      required: ['version', 'sha256', 'kind', 'variables', 'weight'],
      properties: {
        ...promptVersionProperties,
        weight: { type: 'integer', minimum: 1, maximum: 100 },
      },
      additionalProperties: false,
      oneOf: bodyOrRef,
    },
  },
};

/** One pin: a version, or a split (docs/segments.md for the pins segments carry). */
const pinEntry = {
  type: 'object',
  required: ['version', 'sha256', 'kind', 'variables'],
  properties: pinProperties,
  additionalProperties: false,
  oneOf: bodyOrRef,
};

/** A shadow candidate (docs/shadows.md): one version and the share of calls that also run it. */
const shadowEntry = {
  type: 'object',
  required: ['version', 'sha256', 'kind', 'variables', 'sampleRate'],
  properties: {
    ...promptVersionProperties,
    sampleRate: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
    capture: { enum: [true] },
  },
  additionalProperties: false,
  oneOf: bodyOrRef,
};

/** A version reference (schema 2): the version object at `versions/<ref>.json` holds the rest. */
const versionRefProperties = {
  version: promptVersionProperties.version,
  ref: { type: 'string', pattern: VERSION_REF.source },
  deprecated: promptVersionProperties.deprecated,
};

const variantRefItem = {
  type: 'object',
  required: ['version', 'ref', 'weight'],
  properties: { ...versionRefProperties, weight: pinProperties.variants.items.properties.weight },
  additionalProperties: false,
};

/** Variants whose items may each be a reference. */
const referencingVariants = {
  ...pinProperties.variants,
  items: { oneOf: [pinProperties.variants.items, variantRefItem] },
};

const pinRefEntry = {
  type: 'object',
  required: ['version', 'ref'],
  properties: { ...versionRefProperties, variants: referencingVariants },
  additionalProperties: false,
};

const shadowRefEntry = {
  type: 'object',
  required: ['version', 'ref', 'sampleRate'],
  properties: { ...versionRefProperties, sampleRate: shadowEntry.properties.sampleRate },
  additionalProperties: false,
};

/** Prompt entries of schema 1 (`refs` false) or schema 2 (any version position may be a reference). */
function promptsSchema(refs: boolean) {
  const variants = refs ? referencingVariants : pinProperties.variants;
  const pin = refs
    ? { oneOf: [{ ...pinEntry, properties: { ...pinProperties, variants } }, pinRefEntry] }
    : pinEntry;
  const extras = {
    segments: {
      type: 'object',
      maxProperties: MAX_SEGMENTS_PER_PROMPT,
      patternProperties: { [SEGMENT_NAME.source]: pin },
      additionalProperties: false,
    },
    shadow: refs ? { oneOf: [shadowEntry, shadowRefEntry] } : shadowEntry,
  };
  const full = { ...pinEntry, properties: { ...pinProperties, variants, ...extras } };
  const entry = refs
    ? { oneOf: [full, { ...pinRefEntry, properties: { ...pinRefEntry.properties, ...extras } }] }
    : full;
  return {
    type: 'object',
    patternProperties: { '^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$': entry },
    additionalProperties: false,
  };
}

export const MANIFEST_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'PromptOps environment manifest',
  type: 'object',
  required: ['schemaVersion', 'environment', 'revision', 'generatedAt', 'prompts'],
  properties: {
    schemaVersion: { enum: [MANIFEST_SCHEMA_VERSION, REFERENCING_MANIFEST_SCHEMA_VERSION] },
    environment: { type: 'string', minLength: 1 },
    revision: { type: 'integer', minimum: 0 },
    generatedAt: { type: 'string', minLength: 1 },
    prompts: { type: 'object' },
  },
  additionalProperties: false,
  // Version references only in schema 2, so a schema 1 reader never meets one.
  oneOf: [
    { properties: { schemaVersion: { enum: [MANIFEST_SCHEMA_VERSION] }, prompts: promptsSchema(false) } },
    {
      properties: {
        schemaVersion: { enum: [REFERENCING_MANIFEST_SCHEMA_VERSION] },
        prompts: promptsSchema(true),
      },
    },
  ],
} as const;
