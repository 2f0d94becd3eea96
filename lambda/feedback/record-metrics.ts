/**
 * Outcome records from apps that do not run on Lambda, turned into the same EMF documents the
 * client library's `record()` writes: one per record, with the names, units and dimensions of core
 * metrics.ts. All records are checked before any is emitted, so a rejected batch emits nothing. A
 * record with `role: "shadow"` carries only the Role=shadow set (docs/shadows.md).
 */
import type { OutcomeRecord } from '../../src/core/api.ts';
import { type FieldError, ValidationError } from '../../src/core/errors.ts';
import { outcomeMetrics } from '../../src/core/metrics.ts';
import { roleEmfDocument } from '../../src/core/shadow-metrics.ts';
import type { MetricsDeps } from '../ports.ts';
import { environmentProblem } from './environments.ts';

export function recordMetrics(
  deps: MetricsDeps,
  records: readonly OutcomeRecord[],
  environments: readonly string[],
): { accepted: number } {
  const errors: FieldError[] = records.flatMap((record, index) => {
    const message = environmentProblem(record.environment, environments);
    return message ? [{ path: `records.${index}.environment`, message }] : [];
  });
  if (errors.length > 0) {
    const first = errors[0] as FieldError;
    throw new ValidationError(
      `Invalid request body: ${first.path}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
      errors,
    );
  }

  const timestamp = deps.now().getTime();
  deps.metrics.publish(
    records.map((record) =>
      roleEmfDocument(
        {
          environment: record.environment,
          promptId: record.promptId,
          promptVersion: record.version,
          ...(record.segment !== undefined ? { segment: record.segment } : {}),
        },
        outcomeMetrics(record),
        timestamp,
        record.role,
      ),
    ),
  );
  return { accepted: records.length };
}
