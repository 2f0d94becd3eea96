/**
 * Compiles a template program to a JavaScript function: the hot path of every prompt render.
 *
 * What `runProgram` interprets comes down to this (a differential test holds the two together):
 * each block renders as the plain concatenation of its text and values, without its trailing
 * whitespace and without its leading blank lines, and the blocks that render something are joined
 * by a blank line. The generated function is that concatenation, one expression for the whole
 * prompt. Trimming is decided at compile time where the text decides it (a block that starts and
 * ends with text needs none); where a value or a section decides it, a character check on the value
 * does, and only a block that then ends in whitespace (or starts with a blank line) is trimmed. The
 * code contains only JSON string literals and slot numbers, never template text as code. Where code
 * generation is disallowed (`--disallow-code-generation-from-strings`), callers fall back to the
 * interpreter.
 */
import { joinBlocks, tidy } from './template-interpreter.ts';
import { BLOCK_SEPARATOR, OP, type TemplateProgram } from './template-tree.ts';
import type { TemplateValue, TemplateVariables, VariableType } from './variables.ts';

/**
 * Renders a program's slots. A `text` renderer joins blocks with a blank line; a `blocks` renderer
 * pushes each block's output to `blocks` (chat messages).
 */
export type Renderer = (slots: readonly TemplateValue[], blocks?: string[]) => string;

export type RenderMode = 'text' | 'blocks';

const LEADING_BLANK_LINES = /^(?:[ \t]*\n)+/;

/** A piece of a block: text, a value (its code), a section (its test and pieces), or string code. */
type Piece =
  | string
  | { readonly v: string }
  | { readonly t: string; readonly p: Piece[] }
  | { readonly c: string };

const lit = (value: string | number | boolean) => JSON.stringify(value);

/** Code of `test ? yes : no` for conditions, folded; past a size, a safe "no" (the block is tidied). */
function choose(test: string, yes: string, no: string): string {
  const code = yes === no ? yes : no === 'false' ? `(${test}&&${yes})` : `(${test}?${yes}:${no})`;
  return code.length > 400 ? 'false' : code;
}

/** The concatenation of `pieces` as code: adjacent text joined, a string from the start (values may be numbers). */
function concat(pieces: readonly Piece[]): string {
  const out: string[] = [];
  let text: string | undefined;
  for (const piece of pieces) {
    if (typeof piece === 'string') text = (text ?? '') + piece;
    else {
      if (text !== undefined) out.push(lit(text));
      text = undefined;
      if ('v' in piece) out.push(out.length === 0 ? `''+${piece.v}` : piece.v);
      else out.push('c' in piece ? piece.c : `(${piece.t}?${concat(piece.p)}:'')`);
    }
  }
  if (text !== undefined) out.push(lit(text));
  return out.join('+') || "''";
}

/** Drops what is whitespace at a block's end whatever the values. */
function stripEnd(pieces: Piece[]): void {
  for (let last = pieces.at(-1); last !== undefined; last = pieces.at(-1)) {
    if (typeof last === 'string') {
      const trimmed = last.trimEnd();
      if (trimmed !== '') {
        pieces[pieces.length - 1] = trimmed;
        return;
      }
    } else if ('p' in last) {
      stripEnd(last.p);
      if (last.p.length > 0) return;
    } else return;
    pieces.pop();
  }
}

/** Code true only when the concatenation ends in a character that is not whitespace. */
function ends(pieces: readonly Piece[]): string {
  const last = pieces.at(-1);
  if (typeof last === 'string') return last.trimEnd() === last ? 'true' : 'false';
  if (last === undefined || 'c' in last) return 'false';
  // Printable ASCII other than space is never whitespace; a value ending otherwise has its block tidied.
  if ('v' in last)
    return `(typeof ${last.v}!=='string'||(c=${last.v}.charCodeAt(${last.v}.length-1))>32&&c<127)`;
  const before = pieces.slice(0, -1);
  return choose(last.t, ends([...before, ...last.p]), ends(before));
}

function generate(
  program: TemplateProgram,
  mode: RenderMode,
  slot: (index: number) => string,
  given: (index: number) => boolean = () => false,
): string {
  const { ops, texts } = program;
  const blocks: Piece[][] = [];
  /** `known`: the slots certain to hold a value here (given, or tested by the section around). */
  const read = (from: number, to: number, into: Piece[], known: ReadonlySet<number>): void => {
    for (let pc = from; pc < to; pc += 3) {
      const op = ops[pc];
      const a = ops[pc + 1] as number;
      const v = slot(a);
      if (op === OP.BLOCK) {
        into = [];
        blocks.push(into);
      } else if (op === OP.TEXT) into.push(texts[a] as string);
      // A value that may be missing reads as '' (`??`).
      else if (op === OP.VAR) into.push({ v: given(a) || known.has(a) ? v : `(${v}??'')` });
      else {
        const end = ops[pc + 2] as number;
        const inner: Piece[] = [];
        read(pc + 3, end, inner, op === OP.SECTION ? new Set([...known, a]) : known);
        const set = `(${v}!=null&&${v}!==''&&${v}!==false)`;
        into.push({ t: op === OP.SECTION ? set : `!${set}`, p: inner });
        pc = end - 3;
      }
    }
  };
  read(0, ops.length, [], new Set());

  const rendered: string[] = [];
  let text: Piece[] = [];
  /** What `text` renders so far: 0 nothing, 1 something, 2 depends on the values. */
  let state = 0;
  for (const pieces of blocks) {
    stripEnd(pieces);
    // A first text holding more than spaces, tabs and newlines loses its leading blank lines now.
    const first = pieces[0];
    const starts = typeof first === 'string' && /[^ \t\n]/.test(first);
    if (starts) pieces[0] = first.replace(LEADING_BLANK_LINES, '');
    const check = starts ? ends(pieces) : 'false';
    const block: Piece[] =
      check === 'true'
        ? pieces
        : [{ c: check === 'false' ? `T(${concat(pieces)})` : `(w=${concat(pieces)},${check}?w:T(w))` }];
    if (mode === 'blocks') {
      rendered.push(concat(block));
      continue;
    }
    if (pieces.length === 0) continue;
    // Text outside every section that is not whitespace: the block renders something.
    const full = pieces.some((piece) => typeof piece === 'string' && piece.trimEnd() !== '');
    if (full && state !== 2) text.push(...(state === 1 ? [BLOCK_SEPARATOR] : []), ...block);
    else text = [{ c: `J(${concat(text)},${concat(block)})` }];
    state = full || state === 1 ? 1 : 2;
  }
  return mode === 'blocks'
    ? `let w,c;B.push(${rendered.join(',')});return B[B.length-1]??'';`
    : `let w,c;return ${concat(text)};`;
}

function create<T>(parameters: readonly string[], body: string, args: readonly unknown[]): T | undefined {
  try {
    return new Function(...parameters, body)(...args) as T;
  } catch (error) {
    if (error instanceof EvalError) return undefined;
    throw error;
  }
}

const HELPERS = ['T', 'J'];
const helpers = [tidy, joinBlocks];

/** The program as a function, or undefined where this runtime forbids code generation. */
export function compileRenderer(program: TemplateProgram, mode: RenderMode = 'text'): Renderer | undefined {
  return create<Renderer>(
    HELPERS,
    `return function render(S,B){${generate(program, mode, (i) => `S[${i}]`)}};`,
    helpers,
  );
}

/** What a slot of a prompt expects: its spec when declared, nothing for a name the body uses undeclared. */
export interface SlotSpec {
  readonly name: string;
  readonly type?: VariableType;
  readonly required: boolean;
  readonly default?: string | number | boolean;
}

/** Throws the prompt's typed errors; called by generated code only on a problem. */
export interface RenderChecks {
  /** The values hold a name the prompt does not know (unless extras are allowed). */
  unknown(values: TemplateVariables): void;
  /** Checks a value that is not a plain string against its slot's type. */
  type(slot: number, value: unknown): void;
  missing(slot: number): never;
}

/** Reads and checks the values and renders them: `(values, allowExtra, blocks?) => text`. */
export type PromptRenderer = (values: TemplateVariables, allowExtra: boolean, blocks?: string[]) => string;

/**
 * The whole render of a prompt as one function: values are read with constant property names into
 * locals (no slots array), checked (unknown names, types, required), then rendered.
 */
export function compilePromptRenderer(
  program: TemplateProgram,
  slots: readonly SlotSpec[],
  mode: RenderMode,
  checks: RenderChecks,
): PromptRenderer | undefined {
  let read = 'let n=0';
  let count = '';
  let types = '';
  let fill = '';
  slots.forEach((slot, i) => {
    const x = `x${i}`;
    read += `,${x}=V[${lit(slot.name)}]`;
    count += `if(${x}!==undefined)n++;`;
    // Types of every given value first, then defaults and missing required ones (as the interpreter).
    const string = slot.type === undefined || slot.type === 'string';
    types += `if(${x}!=null${string ? `&&typeof ${x}!=='string'` : ''})C.type(${i},${x});`;
    // Defaults are strings, finite numbers or booleans: their JSON is a JavaScript literal.
    if (slot.default !== undefined) fill += `if(${x}==null)${x}=${lit(slot.default)};`;
    else if (slot.required) fill += `if(${x}==null)C.missing(${i});`;
  });
  // Every enumerable key must be a known name: counting them is enough unless the counts differ.
  const unknown = 'if(!E){let k=0;for(const _ in V)k++;if(k!==n)C.unknown(V);}';
  const render = generate(
    program,
    mode,
    (i) => `x${i}`,
    (i) => {
      const slot = slots[i] as SlotSpec;
      return slot.required || slot.default !== undefined;
    },
  );
  const body = `${read};${count}${unknown}${types}${fill}${render}`;
  return create<PromptRenderer>(['C', ...HELPERS], `return function render(V,E,B){${body}};`, [
    checks,
    ...helpers,
  ]);
}
