/** `promptops diff <id> <from> <to>`: the unified diff of two versions (coloured on a terminal). */

import type { DiffResponse } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import type { Colors } from '../output.ts';
import { parsePromptId, parseVersion } from '../refs.ts';

export function colorDiff(unified: string, c: Colors): string[] {
  return unified
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('===')) return c.bold(line);
      if (line.startsWith('@@')) return c.cyan(line);
      if (line.startsWith('+')) return c.green(line);
      if (line.startsWith('-')) return c.red(line);
      return line;
    });
}

export async function diff(ctx: CommandContext, id: string, from: string, to: string): Promise<number> {
  parsePromptId(id);
  parseVersion(from, '<from> version');
  parseVersion(to, '<to> version');
  const api = await ctx.api();
  const result = await api.get<DiffResponse>(`/prompts/${segment(id)}/diff`, { from, to });
  ctx.out.result({ id, ...result }, () => {
    const c = ctx.out.colors;
    for (const line of colorDiff(result.unified, c)) ctx.out.line(line);
    ctx.out.line();
    ctx.out.line(`${c.bold('Implied bump:')} ${result.bump.level}`);
    for (const reason of result.bump.reasons) ctx.out.line(`  - ${reason}`);
  });
  return EXIT.ok;
}

export const diffCommand = defineCommand({
  name: 'diff',
  description: 'unified diff of two versions and the version bump the change implies',
  arguments: [
    { name: '<id>', description: 'prompt id' },
    { name: '<from>', description: 'older version' },
    { name: '<to>', description: 'newer version' },
  ],
  examples: ['promptops diff support-reply 1.1.0 1.2.0'],
  action: (ctx, [id, from, to]) => diff(ctx, id, from, to),
});
