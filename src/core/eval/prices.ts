/**
 * On-demand prices of common models, in US dollars per million tokens, so a `cost` assertion can check
 * a test's spend. Prices change: override or extend them with the runner's `prices` option. A model
 * missing here has an unknown cost, which fails `cost` assertions rather than passing them.
 */

export interface ModelPrice {
  /** USD per million input tokens. */
  readonly inputPerMillion: number;
  /** USD per million output tokens. */
  readonly outputPerMillion: number;
}

/** Model id (normalized: no Bedrock region prefix, date or version suffix) to price. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

const price = (inputPerMillion: number, outputPerMillion: number): ModelPrice => ({
  inputPerMillion,
  outputPerMillion,
});

/** Public list prices (Bedrock us-east-1 on-demand, OpenAI standard tier) as of 2025. */
export const DEFAULT_PRICES: PriceTable = {
  'anthropic.claude-3-haiku': price(0.25, 1.25),
  'anthropic.claude-3-5-haiku': price(0.8, 4),
  'anthropic.claude-haiku-4-5': price(1, 5),
  'anthropic.claude-3-sonnet': price(3, 15),
  'anthropic.claude-3-5-sonnet': price(3, 15),
  'anthropic.claude-3-7-sonnet': price(3, 15),
  'anthropic.claude-sonnet-4': price(3, 15),
  'anthropic.claude-sonnet-4-5': price(3, 15),
  'anthropic.claude-3-opus': price(15, 75),
  'anthropic.claude-opus-4': price(15, 75),
  'anthropic.claude-opus-4-1': price(15, 75),
  'anthropic.claude-opus-4-5': price(5, 25),
  'amazon.nova-micro': price(0.035, 0.14),
  'amazon.nova-lite': price(0.06, 0.24),
  'amazon.nova-pro': price(0.8, 3.2),
  'amazon.nova-premier': price(2.5, 12.5),
  'amazon.titan-text-lite': price(0.15, 0.2),
  'amazon.titan-text-express': price(0.2, 0.6),
  'meta.llama3-8b-instruct': price(0.3, 0.6),
  'meta.llama3-70b-instruct': price(2.65, 3.5),
  'meta.llama3-1-8b-instruct': price(0.22, 0.22),
  'meta.llama3-1-70b-instruct': price(0.72, 0.72),
  'meta.llama3-1-405b-instruct': price(2.4, 2.4),
  'meta.llama3-2-1b-instruct': price(0.1, 0.1),
  'meta.llama3-2-3b-instruct': price(0.15, 0.15),
  'meta.llama3-2-11b-instruct': price(0.16, 0.16),
  'meta.llama3-2-90b-instruct': price(0.72, 0.72),
  'meta.llama3-3-70b-instruct': price(0.72, 0.72),
  'meta.llama4-scout-17b-instruct': price(0.17, 0.66),
  'meta.llama4-maverick-17b-instruct': price(0.24, 0.97),
  'gpt-3.5-turbo': price(0.5, 1.5),
  'gpt-4-turbo': price(10, 30),
  'gpt-4o': price(2.5, 10),
  'gpt-4o-mini': price(0.15, 0.6),
  'gpt-4.1': price(2, 8),
  'gpt-4.1-mini': price(0.4, 1.6),
  'gpt-4.1-nano': price(0.1, 0.4),
  'gpt-5': price(1.25, 10),
  'gpt-5-mini': price(0.25, 2),
  'gpt-5-nano': price(0.05, 0.4),
  o1: price(15, 60),
  'o1-mini': price(1.1, 4.4),
  o3: price(2, 8),
  'o3-mini': price(1.1, 4.4),
  'o4-mini': price(1.1, 4.4),
};

/**
 * The table key of a model id: Bedrock's cross-region prefix (`us.`, `eu.`, `global.`...), its
 * `-v1:0` version and date suffixes, and OpenAI's `-2024-08-06` snapshot date are dropped. Matching
 * stays exact after that, so `o3-pro` never takes the price of `o3`.
 */
export function priceKey(model: string): string {
  return model
    .replace(/^(us|eu|apac|global|us-gov|jp|au|ca)\.(?=[a-z]+\.)/, '')
    .replace(/-v\d+(:\d+)?$/, '')
    .replace(/-\d{8}$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '');
}

/** The price of a model: an exact id in `overrides` first, then its normalized key in both tables. */
export function modelPrice(model: string, overrides: PriceTable = {}): ModelPrice | undefined {
  const key = priceKey(model);
  for (const [table, id] of [
    [overrides, model],
    [overrides, key],
    [DEFAULT_PRICES, key],
  ] as const) {
    if (Object.hasOwn(table, id)) return table[id];
  }
  return undefined;
}

export interface CostEstimate {
  readonly costUsd?: number;
  /** Why there is no cost, when there is none. */
  readonly unknownReason?: string;
}

export function estimateCost(
  model: string | undefined,
  inputTokens: number | undefined,
  outputTokens: number | undefined,
  overrides?: PriceTable,
): CostEstimate {
  if (model === undefined) return { unknownReason: 'the provider names no model' };
  const found = modelPrice(model, overrides);
  if (!found)
    return { unknownReason: `no price for model "${model}": add it to the price table (prices option)` };
  if (inputTokens === undefined || outputTokens === undefined)
    return { unknownReason: `the provider reported no token usage for "${model}"` };
  return {
    costUsd: (inputTokens * found.inputPerMillion + outputTokens * found.outputPerMillion) / 1_000_000,
  };
}
