/**
 * A report as one self-contained HTML file (docs/reports.md): styles, data and Chart.js's UMD build
 * inlined, a Content-Security-Policy that forbids every network fetch, so the file opens the same
 * from a mail attachment, a CI artifact or a laptop without network.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.ts';
import { type Block, type ChartSpec, chartsOf, type ReportDocument, type Section } from './document.ts';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** Chart.js's UMD build, from the installed package. */
export async function loadChartJs(): Promise<string> {
  let path: string;
  try {
    path = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError('HTML reports need the chart.js package, which is not installed', {
      cause: error,
      details: ['Install it beside promptops (npm install chart.js), or use --format md or --format json.'],
    });
  }
}

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Markdown's inline code (`x`) and bold (**x**) as HTML, everything else escaped. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** The Chart.js configuration of a chart spec. */
export function chartConfig(spec: ChartSpec): Record<string, unknown> {
  const common = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { position: 'bottom' } },
  };
  if (spec.type === 'interval') {
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: [
          {
            type: 'bar',
            label: '95% confidence interval',
            data: spec.intervals.map(([low, high]) => [low, high]),
            backgroundColor: 'rgba(37, 99, 235, 0.25)',
            borderColor: PALETTE[0],
            borderWidth: 1,
            barPercentage: 0.4,
          },
          {
            type: 'line',
            label: 'estimate',
            data: spec.estimates,
            showLine: false,
            pointRadius: 5,
            pointBackgroundColor: PALETTE[1],
            borderColor: PALETTE[1],
          },
        ],
      },
      options: { ...common, scales: { y: { title: { display: true, text: spec.yTitle } } } },
    };
  }
  return {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((dataset, i) => ({
        label: dataset.label,
        data: dataset.data,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: spec.type === 'bar' ? PALETTE[i % PALETTE.length] : 'transparent',
        spanGaps: false,
        pointRadius: 2,
        ...(dataset.stepped ? { stepped: 'after' } : {}),
      })),
    },
    options: {
      ...common,
      scales: {
        x: { stacked: spec.stacked === true },
        y: { stacked: spec.stacked === true, beginAtZero: true, title: { display: true, text: spec.yTitle } },
      },
    },
  };
}

function block(b: Block, charts: { next: number }): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return b.items.length === 0
        ? ''
        : `<ul>${b.items.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`;
    case 'table': {
      const numeric = new Set(b.numeric ?? []);
      const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
      const head = b.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c)}</th>`).join('');
      const rows = b.rows
        .map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${inline(String(c))}</td>`).join('')}</tr>`)
        .join('\n');
      return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
    }
    case 'quotes':
      return b.items.length === 0
        ? ''
        : `<ul class="quotes">${b.items.map((item) => `<li>${inline(item.label)}: <q>${escapeHtml(item.text)}</q></li>`).join('')}</ul>`;
    case 'code':
      return `<pre><code class="language-${escapeHtml(b.language)}">${escapeHtml(b.text)}</code></pre>`;
    case 'chart': {
      const index = charts.next++;
      return `<figure><figcaption>${escapeHtml(b.title)}</figcaption><div class="chart"><canvas id="chart-${index}" data-chart="${index}" role="img" aria-label="${escapeHtml(b.title)}"></canvas></div></figure>`;
    }
  }
}

function section(s: Section, level: number, charts: { next: number }): string {
  const h = `h${Math.min(6, level)}`;
  return [
    `<section><${h}>${inline(s.heading)}</${h}>`,
    ...s.blocks.map((b) => block(b, charts)),
    ...(s.sections ?? []).map((child) => section(child, level + 1, charts)),
    '</section>',
  ].join('\n');
}

/** JSON inside a <script> element: `<` escaped so no `</script>` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.25rem}h2{border-bottom:1px solid #e5e7eb;padding-bottom:.25rem;margin-top:2rem}
.summary p{margin:.1rem 0;color:#374151}
table{border-collapse:collapse;margin:.75rem 0;font-size:.9rem}th,td{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f9fafb}.num{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f3f4f6;padding:0 .2rem;border-radius:3px}pre{background:#f3f4f6;padding:.75rem;overflow:auto}pre code{padding:0}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.25rem}.chart{position:relative;height:320px}
`;

/** The document as HTML, with `chartJs` (Chart.js's UMD source) inlined when it has charts. */
export function renderHtml(document: ReportDocument, chartJs: string): string {
  const configs = chartsOf(document).map(chartConfig);
  const counter = { next: 0 };
  const body = document.sections.map((s) => section(s, 2, counter)).join('\n');
  const scripts =
    configs.length === 0
      ? ''
      : [
          `<script>${chartJs.replaceAll('</script', '<\\/script')}</script>`,
          `<script type="application/json" id="report-charts">${scriptJson(configs)}</script>`,
          `<script>(function(){var configs=JSON.parse(document.getElementById('report-charts').textContent);document.querySelectorAll('canvas[data-chart]').forEach(function(canvas){new Chart(canvas,configs[Number(canvas.dataset.chart)]);});})();</script>`,
        ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="promptops report">
<title>${escapeHtml(document.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${inline(document.title)}</h1><div class="summary">${document.summary.map((line) => `<p>${inline(line)}</p>`).join('')}</div></header>
<main>
${body}
</main>
${scripts}
</body>
</html>
`;
}
