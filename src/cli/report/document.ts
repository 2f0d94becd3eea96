/**
 * What every report is once built: a title, a few summary lines and sections of paragraphs, lists,
 * tables and charts (docs/reports.md). The Markdown and HTML renderers know this model only, so a
 * report kind decides what to say and never how a format spells it. Charts are HTML's alone: each
 * chart's numbers are also in a table of its section, which Markdown shows.
 */

export type Cell = string | number;

export interface TableBlock {
  readonly kind: 'table';
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Columns aligned right (numbers). */
  readonly numeric?: readonly number[];
}

export interface LineDataset {
  readonly label: string;
  /** One value per label; null is a gap. */
  readonly data: readonly (number | null)[];
  /** Drawn as steps (a rollout percentage holds until the next step). */
  readonly stepped?: boolean;
}

/** Rates with their confidence intervals: a floating bar per interval, a dot at the estimate. */
export interface IntervalChart {
  readonly type: 'interval';
  readonly labels: readonly string[];
  readonly estimates: readonly number[];
  readonly intervals: readonly (readonly [number, number])[];
  readonly yTitle: string;
}

export interface SeriesChart {
  readonly type: 'line' | 'bar';
  readonly labels: readonly string[];
  readonly datasets: readonly LineDataset[];
  readonly yTitle: string;
  /** Bars stacked per label. */
  readonly stacked?: boolean;
}

export type ChartSpec = IntervalChart | SeriesChart;

/**
 * Text others wrote (feedback comments), shown literally: never read as Markdown or HTML, so a
 * comment can neither format the report nor load anything. `label` is the report's own words.
 */
export interface QuotesBlock {
  readonly kind: 'quotes';
  readonly items: readonly { readonly label: string; readonly text: string }[];
}

export type Block =
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | TableBlock
  | { readonly kind: 'code'; readonly language: string; readonly text: string }
  | QuotesBlock
  | { readonly kind: 'chart'; readonly title: string; readonly chart: ChartSpec };

export interface Section {
  readonly heading: string;
  readonly blocks: readonly Block[];
  /** Sections nested under this one (Markdown `###`). */
  readonly sections?: readonly Section[];
}

export interface ReportDocument {
  readonly title: string;
  /** Lines under the title: what the report is about, when it was made. */
  readonly summary: readonly string[];
  readonly sections: readonly Section[];
}

export const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
export const list = (items: readonly string[]): Block => ({ kind: 'list', items });
export const table = (
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
  numeric: readonly number[] = [],
): TableBlock => ({ kind: 'table', columns, rows, numeric });
export const quotes = (items: QuotesBlock['items']): Block => ({ kind: 'quotes', items });
export const chart = (title: string, spec: ChartSpec): Block => ({ kind: 'chart', title, chart: spec });

/** Every chart of a document, in order. */
export function chartsOf(document: ReportDocument): ChartSpec[] {
  const out: ChartSpec[] = [];
  const visit = (sections: readonly Section[]) => {
    for (const section of sections) {
      for (const block of section.blocks) if (block.kind === 'chart') out.push(block.chart);
      visit(section.sections ?? []);
    }
  };
  visit(document.sections);
  return out;
}

/** Formatting shared by the report kinds. */
export const format = {
  percent: (value: number | undefined | null, digits = 1): string =>
    value === undefined || value === null || !Number.isFinite(value)
      ? '-'
      : `${(value * 100).toFixed(digits)}%`,
  points: (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} points`,
  ms: (value: number | undefined | null): string =>
    value === undefined || value === null ? '-' : `${Math.round(value)} ms`,
  usd: (value: number | undefined | null): string => {
    if (value === undefined || value === null) return '-';
    if (value === 0) return '$0';
    return Math.abs(value) < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(2)}`;
  },
  pValue: (p: number | undefined): string =>
    p === undefined ? '-' : p < 0.0001 ? p.toExponential(1) : p.toFixed(4),
  day: (iso: string): string => iso.slice(0, 10),
  time: (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
};
