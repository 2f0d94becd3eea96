/**
 * The object `get` returns. One instance per manifest revision, version and staleness, created when
 * the manifest is loaded, so the request path allocates nothing and `stale` is what it was when that
 * caller asked.
 */
import type { ModelSettings } from '../core/document.ts';
import type { ManifestVersion } from '../core/manifest.ts';
import type { ChatMessage, CompiledPrompt, RenderOptions } from '../core/prompt-compiler.ts';
import type { PromptKind } from '../core/sections.ts';
import type { TemplateVariables, VariableSpec } from '../core/variables.ts';

export class Prompt {
  // Fields are declared (not defined) and all set by the constructor, in this order: the same
  // objects, without the field definitions' bytes in the client's bundle.
  declare readonly id: string;
  declare readonly version: string;
  /** SHA-256 of the canonical document text of this version. */
  declare readonly sha256: string;
  /** `text` renders to a string, `chat` to messages. */
  declare readonly kind: PromptKind;
  /** Model settings from the document (provider, id, temperature, maxTokens...), if any. */
  declare readonly model: ModelSettings | undefined;
  /** Declared variables: type, required, default, description. */
  declare readonly variables: Readonly<Record<string, VariableSpec>>;
  /** The PromptOps environment of the manifest this prompt came from. */
  declare readonly environment: string;
  /**
   * True when the prompt was not served from a fresh fetch: the latest fetch failed (the last good
   * manifest is served) or no fetch has succeeded yet (the fallback snapshot is served).
   */
  declare readonly stale: boolean;
  /** The segment whose pin served this prompt (docs/segments.md); undefined when the default pin did. */
  declare readonly segment: string | undefined;
  /** True when the manifest marks this version deprecated (docs/maintenance.md): `record` counts DeprecatedServes. */
  declare readonly deprecated: boolean;
  /**
   * The shadow candidate (docs/shadows.md) when this call was sampled for the prompt's shadow:
   * another version, rendered like any prompt, for `runShadow` to run in the background. Undefined
   * otherwise, and always when the prompt has no shadow.
   */
  declare readonly shadow: Prompt | undefined;
  /**
   * `shadow` for a shadow candidate (`p.shadow`), `primary` for every prompt `get` returns: `record`
   * of a candidate writes `Role=shadow`, which the alarms never read.
   */
  declare readonly role: 'primary' | 'shadow';
  /**
   * Renders with `values`: a string for text prompts, `{role, content}` messages for chat prompts.
   * Throws `MissingVariableError` (naming the variable) when a required one is missing,
   * `UnknownVariableError` for an undeclared one (unless `allowExtra`), `VariableTypeError` for a
   * value of the wrong type. The compiled prompt's own function: no extra call on the hot path.
   */
  declare readonly render: (values?: TemplateVariables, options?: RenderOptions) => string | ChatMessage[];

  constructor(
    id: string,
    entry: ManifestVersion,
    environment: string,
    compiled: CompiledPrompt,
    stale: boolean,
    segment?: string,
    shadow?: Prompt,
    role: 'primary' | 'shadow' = 'primary',
  ) {
    this.id = id;
    this.version = entry.version;
    this.sha256 = entry.sha256;
    this.kind = entry.kind;
    this.model = entry.model;
    this.variables = entry.variables;
    this.environment = environment;
    this.stale = stale;
    this.segment = segment;
    this.deprecated = entry.deprecated === true;
    this.shadow = shadow;
    this.role = role;
    this.render = compiled.render;
  }
}
