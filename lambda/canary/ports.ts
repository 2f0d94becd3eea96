/** What a canary tick needs, as ports: in Lambda over DynamoDB and CloudWatch, in local mode over local stores. */
import type { CanarySettings } from '../../src/core/canary.ts';
import type { CanaryTrafficSource } from '../../src/core/canary-traffic.ts';
import type { DeliveryConfig } from '../delivery/config.ts';
import type { EnvironmentStore } from '../delivery/ports.ts';
import type { AuditLog } from '../ports.ts';

export interface CanaryTickDeps {
  readonly environments: Pick<EnvironmentStore, 'get' | 'getRevision' | 'recordAnalysis'>;
  readonly traffic: CanaryTrafficSource;
  readonly audit: AuditLog;
  /** The environments' AppConfig ids, and the application's when known (a tick of another is ignored). */
  readonly config: Pick<DeliveryConfig, 'environmentIds'> & { readonly applicationId?: string };
  /** Environments canary analysis judges (the `canaryAnalysis` setting). */
  readonly canaryAnalysis: readonly string[];
  readonly settings: CanarySettings;
  readonly now: () => Date;
}
