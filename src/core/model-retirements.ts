/**
 * Model retirements (docs/maintenance.md, "Review reminders"): which model ids stop answering on
 * which day. PromptOps ships a list (model-retirements.json, bundled wherever it is read) and a
 * deployment extends it with the `modelRetirements` setting; an entry there replaces a shipped
 * entry for the same model id.
 */
import { type FieldError, ValidationError } from './errors.ts';
import shipped from './model-retirements.json' with { type: 'json' };

export interface ModelRetirement {
  /** The model id as prompts name it in `model.id` (`anthropic.claude-3-haiku-20240307-v1:0`). */
  readonly modelId: string;
  /** The day the model stops answering, `YYYY-MM-DD` (UTC). */
  readonly retiresOn: string;
  /** The model to move to, when the provider names one. */
  readonly replacement?: string;
}

/** More would not fit the Lambda environment (4 KB for every variable together). */
export const MAX_MODEL_RETIREMENTS = 40;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;
const KEYS = new Set(['modelId', 'retiresOn', 'replacement']);

function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * Checks a list of retirements (JSON already parsed); `path` prefixes each problem. Throws one
 * ValidationError naming every bad entry.
 */
export function parseModelRetirements(value: unknown, path = 'modelRetirements'): ModelRetirement[] {
  const problems: FieldError[] = [];
  if (!Array.isArray(value)) {
    throw new ValidationError(`${path} must be a list of {modelId, retiresOn, replacement?}`, [
      { path, message: 'must be a list of {modelId, retiresOn, replacement?}' },
    ]);
  }
  const result: ModelRetirement[] = [];
  value.forEach((entry, index) => {
    const at = `${path}.${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push({ path: at, message: 'must be an object {modelId, retiresOn, replacement?}' });
      return;
    }
    const record = entry as Record<string, unknown>;
    for (const key of Object.keys(record))
      if (!KEYS.has(key)) problems.push({ path: `${at}.${key}`, message: 'is not a retirement field' });
    const { modelId, retiresOn, replacement } = record;
    if (typeof modelId !== 'string' || !MODEL_ID.test(modelId))
      problems.push({
        path: `${at}.modelId`,
        message: `must be a model id (got ${JSON.stringify(modelId)})`,
      });
    if (!isDay(retiresOn))
      problems.push({
        path: `${at}.retiresOn`,
        message: `must be a date YYYY-MM-DD (got ${JSON.stringify(retiresOn)})`,
      });
    if (replacement !== undefined && (typeof replacement !== 'string' || !MODEL_ID.test(replacement)))
      problems.push({
        path: `${at}.replacement`,
        message: `must be a model id (got ${JSON.stringify(replacement)})`,
      });
    if (typeof modelId === 'string' && isDay(retiresOn))
      result.push({ modelId, retiresOn, ...(typeof replacement === 'string' ? { replacement } : {}) });
  });
  if (value.length > MAX_MODEL_RETIREMENTS)
    problems.push({
      path,
      message: `must list at most ${MAX_MODEL_RETIREMENTS} models (got ${value.length})`,
    });
  if (problems.length > 0)
    throw new ValidationError(
      `Invalid ${path}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  return result;
}

/** The list PromptOps ships. */
export const SHIPPED_MODEL_RETIREMENTS: readonly ModelRetirement[] = parseModelRetirements(
  shipped.retirements,
  'model-retirements.json',
);

/** The shipped list with `extra` over it: an extra entry replaces the shipped one for its model id. */
export function mergeModelRetirements(
  extra: readonly ModelRetirement[],
  base: readonly ModelRetirement[] = SHIPPED_MODEL_RETIREMENTS,
): ModelRetirement[] {
  const byId = new Map(base.map((r) => [r.modelId, r]));
  for (const entry of extra) byId.set(entry.modelId, entry);
  return [...byId.values()].sort(
    (a, b) => a.retiresOn.localeCompare(b.retiresOn) || a.modelId.localeCompare(b.modelId),
  );
}

/** Cross-region inference profiles prefix the model id with a geography (`us.`, `eu.`, `apac.`, `global.`). */
const PROFILE_PREFIX = /^(us|eu|apac|us-gov|ca|jp|au|global)\./;

/** The retirement that applies to a prompt's `model.id`, also when it names an inference profile. */
export function retirementOf(
  modelId: string,
  retirements: readonly ModelRetirement[],
): ModelRetirement | undefined {
  const bare = modelId.replace(PROFILE_PREFIX, '');
  return retirements.find((r) => r.modelId === modelId || r.modelId === bare);
}
