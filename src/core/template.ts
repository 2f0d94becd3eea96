/**
 * The prompt template language: `{{name}}`, `{{#name}}...{{/name}}` (inside renders only when `name`
 * is set and non-empty) and `{{^name}}...{{/name}}` (only when it is not). No HTML escaping. A line
 * holding nothing but a section tag disappears entirely, as in Mustache, so optional blocks leave no
 * blank lines. Compiled once into a small tree; rendering walks it with string concatenation.
 */
import { TemplateSyntaxError } from './errors.ts';
import type { TemplateValue, TemplateVariables } from './variables.ts';

export type TagKind = 'variable' | 'section' | 'inverted' | 'close';

export interface TemplateTag {
  readonly kind: TagKind;
  readonly name: string;
  readonly line: number;
}

export interface TemplateProblem {
  readonly message: string;
  readonly line: number;
}

const TEXT = 0;
const VAR = 1;
const SECTION = 2;
const INVERTED = 3;

/** One shape for every node keeps the render loop monomorphic. */
interface Node {
  readonly k: 0 | 1 | 2 | 3;
  readonly s: string;
  readonly children: Node[];
}

export interface TemplateScan {
  readonly tags: readonly TemplateTag[];
  /** Unbalanced or mismatched section tags. */
  readonly errors: readonly TemplateProblem[];
  /** Lines holding `{{` that is not a tag; they render literally. */
  readonly strayBraceLines: readonly number[];
  readonly nodes: readonly Node[];
}

const TAG = /\{\{[ \t]*([#^/]?)[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;
const KIND_BY_SIGIL: Record<string, TagKind> = {
  '': 'variable',
  '#': 'section',
  '^': 'inverted',
  '/': 'close',
};

interface OpenSection {
  readonly node: Node;
  readonly line: number;
}

/** Scans a template without throwing; `compileTemplate` throws on the first error instead. */
export function scanTemplate(text: string, firstLine = 1): TemplateScan {
  const tags: TemplateTag[] = [];
  const errors: TemplateProblem[] = [];
  const strayBraceLines: number[] = [];
  const root: Node[] = [];
  const stack: OpenSection[] = [];
  let current = root;
  let pendingText = '';

  const flushText = () => {
    if (pendingText !== '') {
      current.push({ k: TEXT, s: pendingText, children: [] });
      pendingText = '';
    }
  };

  const handleTag = (kind: TagKind, name: string, line: number) => {
    tags.push({ kind, name, line });
    flushText();
    if (kind === 'variable') {
      current.push({ k: VAR, s: name, children: [] });
    } else if (kind === 'section' || kind === 'inverted') {
      const node: Node = { k: kind === 'section' ? SECTION : INVERTED, s: name, children: [] };
      current.push(node);
      stack.push({ node, line });
      current = node.children;
    } else {
      const open = stack.at(-1);
      if (!open) {
        errors.push({ message: `{{/${name}}} closes a section that was never opened`, line });
        return;
      }
      if (open.node.s !== name) {
        errors.push({
          message: `{{/${name}}} does not match the open section {{${open.node.k === SECTION ? '#' : '^'}${open.node.s}}} from line ${open.line}`,
          line,
        });
      }
      stack.pop();
      current = stack.at(-1)?.node.children ?? root;
    }
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineText = lines[i] as string;
    const lineNo = firstLine + i;
    const hasNewline = i < lines.length - 1;
    const matches = [...lineText.matchAll(TAG)];

    let braces = 0;
    for (let at = lineText.indexOf('{{'); at !== -1; at = lineText.indexOf('{{', at + 2)) braces++;
    if (braces > matches.length) strayBraceLines.push(lineNo);

    const only = matches.length === 1 ? matches[0] : undefined;
    if (
      only &&
      only[1] !== '' &&
      lineText.slice(0, only.index).trim() === '' &&
      lineText.slice(only.index + only[0].length).trim() === ''
    ) {
      handleTag(KIND_BY_SIGIL[only[1] as string] as TagKind, only[2] as string, lineNo);
      continue;
    }

    let last = 0;
    for (const m of matches) {
      pendingText += lineText.slice(last, m.index);
      handleTag(KIND_BY_SIGIL[m[1] as string] as TagKind, m[2] as string, lineNo);
      last = m.index + m[0].length;
    }
    pendingText += lineText.slice(last);
    if (hasNewline) pendingText += '\n';
  }
  flushText();
  for (const open of stack) {
    errors.push({
      message: `{{${open.node.k === SECTION ? '#' : '^'}${open.node.s}}} is never closed: add {{/${open.node.s}}}`,
      line: open.line,
    });
  }
  return { tags, errors, strayBraceLines, nodes: root };
}

export interface CompiledTemplate {
  /** Names used by the template, in order of first use. */
  readonly variables: readonly string[];
  /** Renders with `values`, falling back to `defaults` for names not given. */
  render(values: TemplateVariables, defaults: TemplateVariables): string;
}

export function compileTemplate(text: string, firstLine = 1): CompiledTemplate {
  const scan = scanTemplate(text, firstLine);
  const error = scan.errors[0];
  if (error) throw new TemplateSyntaxError(error.message, error.line);
  const nodes = scan.nodes as Node[];
  const variables = [...new Set(scan.tags.filter((t) => t.kind !== 'close').map((t) => t.name))];
  return { variables, render: (values, defaults) => renderNodes(nodes, values, defaults) };
}

const hasOwn = Object.hasOwn;

function lookup(values: TemplateVariables, defaults: TemplateVariables, name: string): TemplateValue {
  const given = hasOwn(values, name) ? values[name] : undefined;
  if (given !== undefined && given !== null) return given;
  return hasOwn(defaults, name) ? defaults[name] : undefined;
}

function isSet(value: TemplateValue): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
}

function renderNodes(nodes: readonly Node[], values: TemplateVariables, defaults: TemplateVariables): string {
  let out = '';
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as Node;
    switch (node.k) {
      case TEXT:
        out += node.s;
        break;
      case VAR: {
        const value = lookup(values, defaults, node.s);
        if (value !== undefined && value !== null) out += typeof value === 'string' ? value : String(value);
        break;
      }
      case SECTION:
        if (isSet(lookup(values, defaults, node.s))) out += renderNodes(node.children, values, defaults);
        break;
      case INVERTED:
        if (!isSet(lookup(values, defaults, node.s))) out += renderNodes(node.children, values, defaults);
        break;
    }
  }
  return out;
}
