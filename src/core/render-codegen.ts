/**
 * Compiles a template program to a JavaScript function: the hot path of every prompt render.
 *
 * The generated function does exactly what `runProgram` interprets (a differential test holds them
 * together), without the dispatch loop and with what is known at compile time folded away: where the
 * writer's state is known (at the start of a section, after unconditional text) the pending
 * whitespace and the block separator are joined to the next literal, so most pieces cost one string
 * concatenation. The code contains only JSON string literals and slot numbers, never template text as
 * code. Where code generation is disallowed (`--disallow-code-generation-from-strings`), callers fall
 * back to the interpreter.
 */
import { BLOCK_SEPARATOR, OP, type TemplateProgram } from './template-tree.ts';
import type { TemplateValue, TemplateVariables, VariableType } from './variables.ts';

/**
 * Renders a program's slots. A `text` renderer joins blocks with a blank line; a `blocks` renderer
 * pushes each block's output to `blocks` (chat messages).
 */
export type Renderer = (slots: readonly TemplateValue[], blocks?: string[]) => string;

export type RenderMode = 'text' | 'blocks';

const LEADING_BLANK_LINES = /^(?:[ \t]*\n)+/;

/** The writer's state as far as the compiler knows it: `undefined` means known only at run time. */
interface Known {
  /** At the start of a block, before any visible text. */
  a: boolean | undefined;
  /** Whitespace held back until visible text follows. */
  p: string | undefined;
  /** Whitespace seen before the block's first visible text. */
  l: string | undefined;
  /** Whether anything was written yet. */
  empty: boolean | undefined;
}

const lit = (text: string) => JSON.stringify(text);

function dropLeadingBlankLines(text: string): string {
  const code = text.charCodeAt(0);
  return code === 10 || code === 32 || code === 9 ? text.replace(LEADING_BLANK_LINES, '') : text;
}

function join(a: Known, b: Known): Known {
  return {
    a: a.a === b.a ? a.a : undefined,
    p: a.p === b.p ? a.p : undefined,
    l: a.l === b.l ? a.l : undefined,
    empty: a.empty === b.empty ? a.empty : undefined,
  };
}

function generate(program: TemplateProgram, mode: RenderMode, slot: (index: number) => string): string {
  const { ops, heads, tails } = program;
  const out: string[] = [];

  /** Writes visible text `head` (a literal, or the expression `h`) and holds its `tail`. */
  const emitHead = (
    state: Known,
    head: { literal: string } | { expr: string },
    tail: { literal: string } | { expr: string },
  ) => {
    const pending = state.p;
    if ('literal' in head && state.a === false && pending !== undefined) {
      out.push(`o+=${lit(pending + head.literal)};`);
    } else if ('literal' in head && state.a === true && pending !== undefined && state.l !== undefined) {
      out.push(`o+=${lit(pending + dropLeadingBlankLines(state.l + head.literal))};`);
    } else {
      const h = 'literal' in head ? lit(head.literal) : head.expr;
      const flush = pending === '' ? '' : pending === undefined ? 'p+' : `${lit(pending)}+`;
      const atStart = `{a=false;f=l+${h};c=f.charCodeAt(0);o+=${flush}(c===10||c===32||c===9?f.replace(R,''):f);}`;
      if (state.a === true) out.push(atStart);
      else if (state.a === false) out.push(`o+=${flush}${h};`);
      else out.push(`if(a)${atStart}else o+=p+${h};`);
    }
    out.push(`a=false;p=${'literal' in tail ? lit(tail.literal) : tail.expr};`);
  };

  const compile = (from: number, to: number, entry: Known): Known => {
    let state = { ...entry };
    for (let pc = from; pc < to; pc += 3) {
      const op = ops[pc];
      const a = ops[pc + 1] as number;
      if (op === OP.BLOCK) {
        if (mode === 'blocks') {
          out.push(`if(i){B.push(o);o='';}i=true;p='';l='';a=true;`);
          state = { a: true, p: '', l: '', empty: true };
        } else {
          const separator = state.empty === undefined ? undefined : state.empty ? '' : BLOCK_SEPARATOR;
          out.push(separator === undefined ? `p=o===''?'':${lit(BLOCK_SEPARATOR)};` : `p=${lit(separator)};`);
          out.push(`l='';a=true;`);
          state = { a: true, p: separator, l: '', empty: state.empty };
        }
      } else if (op === OP.TEXT) {
        const head = heads[a] as string;
        const tail = tails[a] as string;
        if (head === '') {
          if (tail === '') continue;
          if (state.a === true) out.push(`l+=${lit(tail)};`);
          else if (state.a === false) out.push(`p+=${lit(tail)};`);
          else out.push(`if(a)l+=${lit(tail)};else p+=${lit(tail)};`);
          state = {
            ...state,
            l:
              state.a === true && state.l !== undefined
                ? state.l + tail
                : state.a === false
                  ? state.l
                  : undefined,
            p:
              state.a === false && state.p !== undefined
                ? state.p + tail
                : state.a === true
                  ? state.p
                  : undefined,
          };
        } else {
          emitHead(state, { literal: head }, { literal: tail });
          state = { a: false, p: tail, l: state.l, empty: false };
        }
      } else if (op === OP.VAR) {
        // `v!=null` is `v!==undefined&&v!==null`, shorter in the generated code and in the bundle.
        out.push(`v=${slot(a)};if(v!=null){if(typeof v!=='string')v=String(v);c=v.charCodeAt(v.length-1);`);
        // Fast path: a value ending in printable ASCII has no trailing whitespace to hold back.
        out.push(`if(c>32&&c<127){h=v;t='';}else{h=v.trimEnd();t=v.slice(h.length);}`);
        out.push(`if(h!==''){`);
        emitHead({ ...state }, { expr: 'h' }, { expr: 't' });
        out.push(`}else if(t!==''){if(a)l+=t;else p+=t;}}`);
        state = {
          a: state.a === false ? false : undefined,
          p: undefined,
          l: state.a === false ? state.l : undefined,
          empty: state.empty === false ? false : undefined,
        };
      } else {
        const end = ops[pc + 2] as number;
        const test = "v!=null&&v!==''&&v!==false";
        out.push(`v=${slot(a)};if(${op === OP.SECTION ? test : `!(${test})`}){`);
        const inside = compile(pc + 3, end, state);
        out.push('}');
        state = join(state, inside);
        pc = end - 3;
      }
    }
    return state;
  };

  compile(0, ops.length, { a: true, p: '', l: '', empty: true });
  const end = mode === 'blocks' ? 'if(i)B.push(o);return o;' : 'return o;';
  return `let o='',p='',l='',a=true,i=false,v,h,t,f,c;${out.join('')}${end}`;
}

function create<T>(parameters: readonly string[], body: string, args: readonly unknown[]): T | undefined {
  try {
    return new Function(...parameters, body)(...args) as T;
  } catch (error) {
    if (error instanceof EvalError) return undefined;
    throw error;
  }
}

/** The program as a function, or undefined where this runtime forbids code generation. */
export function compileRenderer(program: TemplateProgram, mode: RenderMode = 'text'): Renderer | undefined {
  return create<Renderer>(
    ['R'],
    `return function render(s,B){${generate(program, mode, (i) => `s[${i}]`)}};`,
    [LEADING_BLANK_LINES],
  );
}

/** What a slot of a prompt expects: its spec when declared, nothing for a name the body uses undeclared. */
export interface SlotSpec {
  readonly name: string;
  readonly type?: VariableType;
  readonly required: boolean;
  readonly default?: string | number | boolean;
}

/** Throws the prompt's typed errors; called by generated code only on a problem (or a rare slow path). */
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
  const code: string[] = ['let n=0'];
  slots.forEach((slot, i) => {
    code.push(`,x${i}=V[${lit(slot.name)}]`);
  });
  code.push(';');
  slots.forEach((_slot, i) => {
    code.push(`if(x${i}!==undefined)n++;`);
  });
  // Every enumerable key must be a known name: counting them is enough unless the counts differ.
  code.push('if(!E){let k=0;for(const _ in V)k++;if(k!==n)C.unknown(V);}');
  // Types of every given value first, then defaults and missing required ones (as the interpreter).
  slots.forEach((slot, i) => {
    const check = slot.type === undefined || slot.type === 'string' ? `if(typeof x${i}!=='string')` : '';
    code.push(`if(x${i}!=null){${check}C.type(${i},x${i});}`);
  });
  slots.forEach((slot, i) => {
    // Defaults are strings, finite numbers or booleans: their JSON is a JavaScript literal.
    const fallback = slot.default === undefined ? 'undefined' : JSON.stringify(slot.default);
    const missing = slot.required && slot.default === undefined ? `C.missing(${i});` : '';
    if (fallback !== 'undefined' || missing !== '')
      code.push(`if(x${i}==null){x${i}=${fallback};${missing}}`);
  });
  const body = `${code.join('')}${generate(program, mode, (i) => `x${i}`)}`;
  return create<PromptRenderer>(['R', 'C'], `return function render(V,E,B){${body}};`, [
    LEADING_BLANK_LINES,
    checks,
  ]);
}
