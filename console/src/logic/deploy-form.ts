/**
 * The deploy form's rules (docs/console.md): what a person filled in becomes the API's deploy request
 * (POST /environments/{env}/deployments), or the list of what is wrong with it, and the confirmation
 * names exactly what changes: each prompt's pin before and after. Gates (approvals, the evaluation
 * gate, a deployment in progress) are the server's to judge; their refusal is shown as it answers.
 */
import { variantProblems } from '../../../src/core/pins.ts';
import { isValidVersion } from '../../../src/core/versioning.ts';
import { type AnyPin, describePin, samePin } from './pins.ts';

export interface DeployRow {
  readonly promptId: string;
  /** One version for all traffic, or an A/B split. */
  readonly mode: 'single' | 'split';
  readonly version: string;
  /** Weights as typed. */
  readonly variants: readonly { readonly version: string; readonly weight: string }[];
}

export interface DeployFormInput {
  readonly environment: string;
  readonly rows: readonly DeployRow[];
  readonly strategy: string;
  readonly description: string;
  /** The environment's pins now (GET /environments/{env} `prompts`). */
  readonly current: Readonly<Record<string, AnyPin>>;
}

export interface FormError {
  /** `rows.0.version`, `strategy`, ... (the field the message belongs to). */
  readonly path: string;
  readonly message: string;
}

export interface PinChange {
  readonly promptId: string;
  readonly before?: AnyPin;
  readonly after: AnyPin;
  /** `support-reply: 1.0.0 → 1.1.0` (or `not deployed → 1.1.0`). */
  readonly summary: string;
}

export interface DeployPlan {
  readonly environment: string;
  readonly request: {
    readonly prompts: Readonly<Record<string, string | { variants: { version: string; weight: number }[] }>>;
    readonly strategy?: string;
    readonly description?: string;
  };
  /** Only pins that differ from what the environment serves now. */
  readonly changes: readonly PinChange[];
  /** Rows that would pin what is already pinned. */
  readonly unchanged: readonly string[];
}

export type DeployValidation =
  | { readonly ok: true; readonly plan: DeployPlan }
  | { readonly ok: false; readonly errors: readonly FormError[] };

/** Strategy names as AppConfig and the settings spell them: letters, digits, `.`, `-`, `_`. */
const STRATEGY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function emptyRow(promptId = ''): DeployRow {
  return {
    promptId,
    mode: 'single',
    version: '',
    variants: [
      { version: '', weight: '90' },
      { version: '', weight: '10' },
    ],
  };
}

export function validateDeployForm(input: DeployFormInput): DeployValidation {
  const errors: FormError[] = [];
  const prompts: Record<string, string | { variants: { version: string; weight: number }[] }> = {};
  const seen = new Set<string>();
  if (input.rows.length === 0) errors.push({ path: 'rows', message: 'Add at least one prompt to deploy' });
  input.rows.forEach((row, i) => {
    const at = `rows.${i}`;
    if (row.promptId === '') {
      errors.push({ path: `${at}.promptId`, message: 'Choose a prompt' });
      return;
    }
    if (seen.has(row.promptId)) {
      errors.push({
        path: `${at}.promptId`,
        message: `${row.promptId} is listed twice; keep one row per prompt`,
      });
      return;
    }
    seen.add(row.promptId);
    if (row.mode === 'single') {
      if (!isValidVersion(row.version))
        errors.push({ path: `${at}.version`, message: `Choose the version of ${row.promptId} to deploy` });
      else prompts[row.promptId] = row.version;
      return;
    }
    const variants = row.variants.map((v) => ({
      version: v.version,
      weight: v.weight.trim() === '' ? Number.NaN : Number(v.weight),
    }));
    const problems = variantProblems(variants, `${at}.variants`);
    for (const problem of problems)
      errors.push({ path: problem.path, message: `${row.promptId}: ${problem.message}` });
    if (problems.length === 0) prompts[row.promptId] = { variants };
  });
  const strategy = input.strategy.trim();
  if (strategy !== '' && !STRATEGY_NAME.test(strategy))
    errors.push({
      path: 'strategy',
      message: `"${strategy}" is not a strategy name (letters, digits, dots, dashes and underscores)`,
    });
  if (errors.length > 0) return { ok: false, errors };

  const changes: PinChange[] = [];
  const unchanged: string[] = [];
  for (const [promptId, after] of Object.entries(prompts)) {
    const before = input.current[promptId];
    if (samePin(before, after)) {
      unchanged.push(promptId);
      continue;
    }
    changes.push({
      promptId,
      ...(before !== undefined ? { before } : {}),
      after,
      summary: `${promptId}: ${before === undefined ? 'not deployed' : describePin(before)} → ${describePin(after)}`,
    });
  }
  if (changes.length === 0)
    return {
      ok: false,
      errors: [
        {
          path: 'rows',
          message: `Nothing changes: ${input.environment} already serves ${unchanged.join(', ')} as chosen`,
        },
      ],
    };
  const description = input.description.trim();
  return {
    ok: true,
    plan: {
      environment: input.environment,
      request: {
        prompts,
        ...(strategy !== '' ? { strategy } : {}),
        ...(description !== '' ? { description } : {}),
      },
      changes,
      unchanged,
    },
  };
}
