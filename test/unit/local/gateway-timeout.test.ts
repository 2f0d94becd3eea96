import { afterEach, describe, expect, it } from 'vitest';
import type { HandlerName } from '../../../src/core/routes.ts';
import { type LocalHandler, type RunningGateway, startGateway } from '../../../src/local/gateway.ts';

let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** Answers the remaining time it was given at the start, and again after a short wait. */
const remaining: LocalHandler = async (_event, context) => {
  const first = context.getRemainingTimeInMillis();
  await new Promise((resolve) => setTimeout(resolve, 60));
  const second = context.getRemainingTimeInMillis();
  return { statusCode: 200, body: JSON.stringify({ first, second }) };
};

describe('Function: startGateway', () => {
  it("gives each handler the stack's function timeout, counting down as Lambda's does", async () => {
    const handlers = Object.fromEntries(
      (['publish', 'review', 'query', 'deploy', 'feedback', 'metrics', 'evaluate'] as HandlerName[]).map(
        (name) => [name, remaining],
      ),
    ) as Record<HandlerName, LocalHandler>;
    gateway = await startGateway({ port: 0, handlers, localRoutes: {} });
    const time = async (method: string, path: string): Promise<{ first: number; second: number }> =>
      (await (
        await fetch(`${gateway?.url}${path}`, { method, headers: { 'x-promptops-user': 'local:a' } })
      ).json()) as { first: number; second: number };

    const deploy = await time('POST', '/environments/dev/deployments');
    expect(deploy.first).toBeLessThanOrEqual(29_000);
    expect(deploy.first).toBeGreaterThan(10_000);
    expect(deploy.second).toBeLessThanOrEqual(deploy.first - 50);
    const feedback = await time('POST', '/feedback');
    expect(feedback.first).toBeLessThanOrEqual(10_000);
    expect(feedback.first).toBeGreaterThan(5_000);
    expect(feedback.second).toBeLessThanOrEqual(feedback.first - 50);
  });
});
