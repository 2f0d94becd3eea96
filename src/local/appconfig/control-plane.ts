/**
 * AppConfig's resources: applications, environments, configuration profiles, deployment strategies
 * and hosted configuration versions. Methods change the state in memory; the emulator commits.
 * `ensure*` is idempotent by name (provisioning), `create*` always makes a new resource, as AppConfig
 * does (names may repeat there).
 */
import {
  APPCONFIG,
  type DeploymentStrategySpec,
  type GrowthType,
  PREDEFINED_STRATEGIES,
  predefinedStrategyId,
} from '../../core/contracts.ts';
import { AppConfigApiError, badRequest, conflict, notFound } from './errors.ts';
import { resourceId } from './ids.ts';
import type {
  ApplicationRecord,
  EmulatorState,
  EnvironmentRecord,
  HostedVersionRecord,
  ProfileRecord,
  StrategyRecord,
} from './model.ts';
import type { StateStore } from './state-store.ts';

/** A strategy as the API shows it; predefined ones are not stored. */
export interface StrategyView extends Omit<StrategyRecord, 'description'> {
  readonly description?: string;
  readonly predefined: boolean;
}

export interface EnvironmentOptions {
  readonly description?: string;
  /** CloudWatch alarm ARNs shown as the environment's monitors. */
  readonly monitors?: readonly string[];
}

export interface CreateHostedVersionInput {
  readonly applicationId: string;
  readonly profileId: string;
  readonly content: Uint8Array;
  readonly contentType: string | undefined;
  readonly description?: string;
  readonly versionLabel?: string;
  readonly latestVersionNumber?: number;
}

const PREDEFINED_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AllAtOnce: 'Quick: deploys to all targets at once, then bakes for 10 minutes',
  Linear50PercentEvery30Seconds: 'Testing/demonstration: 50% every 30 seconds, then bakes for 1 minute',
  Linear20PercentEvery6Minutes: 'Recommended: 20% every 6 minutes over 30 minutes, then bakes for 30 minutes',
  Canary10Percent20Minutes: 'Recommended: exponential from 10% over 20 minutes, then bakes for 10 minutes',
};

const MAX_NAME_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_STRATEGY_MINUTES = 1440;
const MAX_LABEL_LENGTH = 64;

export class ControlPlane {
  readonly #state: EmulatorState;
  readonly #store: StateStore;

  constructor(store: StateStore) {
    this.#store = store;
    this.#state = store.state;
  }

  // Applications

  ensureApplication(name: string, description?: string): ApplicationRecord {
    return this.#state.applications.find((a) => a.name === name) ?? this.createApplication(name, description);
  }

  createApplication(name: unknown, description?: unknown): ApplicationRecord {
    const checkedName = checkName(name, 'Name');
    const id = resourceId('application', '', checkedName, (c) =>
      this.#state.applications.some((a) => a.id === c),
    );
    const record: ApplicationRecord = { id, name: checkedName, ...optionalDescription(description) };
    this.#state.applications.push(record);
    return record;
  }

  application(applicationId: string): ApplicationRecord {
    const found = this.#state.applications.find((a) => a.id === applicationId);
    if (!found) throw notFound(`Application ${applicationId} not found`, { ResourceName: applicationId });
    return found;
  }

  /** By id, then by name, as AppConfigData and the agent accept either. */
  findApplication(identifier: string): ApplicationRecord | undefined {
    return (
      this.#state.applications.find((a) => a.id === identifier) ??
      this.#state.applications.find((a) => a.name === identifier)
    );
  }

  listApplications(): readonly ApplicationRecord[] {
    return this.#state.applications;
  }

  // Environments

  ensureEnvironment(
    applicationId: string,
    name: string,
    options: EnvironmentOptions = {},
  ): EnvironmentRecord {
    const existing = this.#state.environments.find(
      (e) => e.applicationId === applicationId && e.name === name,
    );
    if (!existing) return this.createEnvironment(applicationId, name, options);
    if (options.monitors && !sameList(existing.monitors, options.monitors)) {
      const updated: EnvironmentRecord = { ...existing, monitors: [...options.monitors] };
      this.#state.environments.splice(this.#state.environments.indexOf(existing), 1, updated);
      return updated;
    }
    return existing;
  }

  createEnvironment(
    applicationId: string,
    name: unknown,
    options: EnvironmentOptions = {},
  ): EnvironmentRecord {
    this.application(applicationId);
    const checkedName = checkName(name, 'Name');
    const id = resourceId('environment', applicationId, checkedName, (c) =>
      this.#state.environments.some((e) => e.applicationId === applicationId && e.id === c),
    );
    const record: EnvironmentRecord = {
      applicationId,
      id,
      name: checkedName,
      ...optionalDescription(options.description),
      monitors: [...(options.monitors ?? [])],
    };
    this.#state.environments.push(record);
    return record;
  }

  environment(applicationId: string, environmentId: string): EnvironmentRecord {
    this.application(applicationId);
    const found = this.#state.environments.find(
      (e) => e.applicationId === applicationId && e.id === environmentId,
    );
    if (!found) throw notFound(`Environment ${environmentId} not found`, { ResourceName: environmentId });
    return found;
  }

  findEnvironment(applicationId: string, identifier: string): EnvironmentRecord | undefined {
    const inApp = this.#state.environments.filter((e) => e.applicationId === applicationId);
    return inApp.find((e) => e.id === identifier) ?? inApp.find((e) => e.name === identifier);
  }

  listEnvironments(applicationId: string): readonly EnvironmentRecord[] {
    this.application(applicationId);
    return this.#state.environments.filter((e) => e.applicationId === applicationId);
  }

  // Configuration profiles (hosted, freeform)

  ensureProfile(applicationId: string, name: string, description?: string): ProfileRecord {
    return (
      this.#state.profiles.find((p) => p.applicationId === applicationId && p.name === name) ??
      this.createProfile(applicationId, name, description, 'hosted')
    );
  }

  createProfile(
    applicationId: string,
    name: unknown,
    description: unknown,
    locationUri: unknown,
  ): ProfileRecord {
    this.application(applicationId);
    if (locationUri !== 'hosted') {
      throw badRequest(
        `LocationUri ${JSON.stringify(locationUri)} is not supported by the emulator: use "hosted" (hosted configuration versions)`,
      );
    }
    const checkedName = checkName(name, 'Name');
    const id = resourceId('profile', applicationId, checkedName, (c) =>
      this.#state.profiles.some((p) => p.applicationId === applicationId && p.id === c),
    );
    const record: ProfileRecord = {
      applicationId,
      id,
      name: checkedName,
      ...optionalDescription(description),
      latestVersion: 0,
    };
    this.#state.profiles.push(record);
    return record;
  }

  profile(applicationId: string, profileId: string): ProfileRecord {
    this.application(applicationId);
    const found = this.#state.profiles.find((p) => p.applicationId === applicationId && p.id === profileId);
    if (!found) throw notFound(`Configuration profile ${profileId} not found`, { ResourceName: profileId });
    return found;
  }

  findProfile(applicationId: string, identifier: string): ProfileRecord | undefined {
    const inApp = this.#state.profiles.filter((p) => p.applicationId === applicationId);
    return inApp.find((p) => p.id === identifier) ?? inApp.find((p) => p.name === identifier);
  }

  listProfiles(applicationId: string): readonly ProfileRecord[] {
    this.application(applicationId);
    return this.#state.profiles.filter((p) => p.applicationId === applicationId);
  }

  // Deployment strategies

  /** A predefined strategy's fixed id, or the custom strategy of that name, created or updated. */
  ensureStrategy(spec: DeploymentStrategySpec, description?: string): StrategyView {
    if (PREDEFINED_STRATEGIES[spec.name]) return this.strategy(predefinedStrategyId(spec.name));
    const parameters = checkStrategy(spec);
    const existing = this.#state.strategies.find((s) => s.name === spec.name);
    if (!existing) return this.createStrategy({ ...parameters, name: spec.name, description });
    Object.assign(existing, parameters);
    return view(existing, false);
  }

  createStrategy(input: {
    name: unknown;
    description?: unknown;
    deploymentDurationInMinutes: unknown;
    growthFactor: unknown;
    growthType?: unknown;
    finalBakeTimeInMinutes?: unknown;
  }): StrategyView {
    const name = checkName(input.name, 'Name');
    if (PREDEFINED_STRATEGIES[name] || name.startsWith('AppConfig.')) {
      throw badRequest(
        `${JSON.stringify(name)} is reserved for AppConfig's predefined strategies: choose another name`,
      );
    }
    const parameters = checkStrategy(input);
    const id = resourceId('strategy', '', name, (c) => this.#state.strategies.some((s) => s.id === c));
    const record: StrategyRecord = { id, name, ...optionalDescription(input.description), ...parameters };
    this.#state.strategies.push(record);
    return view(record, false);
  }

  strategy(strategyId: string): StrategyView {
    const predefined = Object.values(PREDEFINED_STRATEGIES).find(
      (s) => predefinedStrategyId(s.name) === strategyId,
    );
    if (predefined) {
      return {
        id: strategyId,
        name: strategyId,
        description: PREDEFINED_DESCRIPTIONS[predefined.name] ?? predefined.name,
        deploymentDurationInMinutes: predefined.deploymentDurationInMinutes,
        growthFactor: predefined.growthFactor,
        growthType: predefined.growthType,
        finalBakeTimeInMinutes: predefined.finalBakeTimeInMinutes,
        predefined: true,
      };
    }
    const found = this.#state.strategies.find((s) => s.id === strategyId);
    if (!found) throw notFound(`Deployment strategy ${strategyId} not found`, { ResourceName: strategyId });
    return view(found, false);
  }

  listStrategies(): StrategyView[] {
    return [
      ...Object.values(PREDEFINED_STRATEGIES).map((s) => this.strategy(predefinedStrategyId(s.name))),
      ...this.#state.strategies.map((s) => view(s, false)),
    ];
  }

  // Hosted configuration versions

  createHostedVersion(input: CreateHostedVersionInput): HostedVersionRecord {
    const profile = this.profile(input.applicationId, input.profileId);
    if (!input.contentType) throw badRequest('ContentType is required (the Content-Type header)');
    if (input.content.byteLength > APPCONFIG.maxHostedConfigurationBytes) {
      throw new AppConfigApiError(
        'PayloadTooLargeException',
        `The configuration is ${input.content.byteLength} bytes; the limit is ${APPCONFIG.maxHostedConfigurationBytes}`,
        { Measure: 'BYTES', Limit: APPCONFIG.maxHostedConfigurationBytes, Size: input.content.byteLength },
      );
    }
    if (input.versionLabel !== undefined) checkVersionLabel(input.versionLabel);
    if (input.latestVersionNumber !== undefined && input.latestVersionNumber !== profile.latestVersion) {
      throw conflict(
        `LatestVersionNumber ${input.latestVersionNumber} does not match the latest version ${profile.latestVersion} of configuration profile ${profile.id}`,
      );
    }
    const record: HostedVersionRecord = {
      applicationId: input.applicationId,
      profileId: input.profileId,
      versionNumber: profile.latestVersion + 1,
      contentType: input.contentType,
      size: input.content.byteLength,
      ...optionalDescription(input.description),
      ...(input.versionLabel !== undefined && input.versionLabel !== ''
        ? { versionLabel: input.versionLabel }
        : {}),
    };
    this.#store.putContent(record.applicationId, record.profileId, record.versionNumber, input.content);
    profile.latestVersion = record.versionNumber;
    this.#state.hostedVersions.push(record);
    return record;
  }

  hostedVersion(applicationId: string, profileId: string, versionNumber: number): HostedVersionRecord {
    this.profile(applicationId, profileId);
    const found = this.#state.hostedVersions.find(
      (v) =>
        v.applicationId === applicationId && v.profileId === profileId && v.versionNumber === versionNumber,
    );
    if (!found) {
      throw notFound(`Hosted configuration version ${versionNumber} of profile ${profileId} not found`, {
        ResourceName: String(versionNumber),
      });
    }
    return found;
  }

  /** Newest first; `versionLabel` matches exactly, or as a prefix when it ends with `*`. */
  listHostedVersions(applicationId: string, profileId: string, versionLabel?: string): HostedVersionRecord[] {
    this.profile(applicationId, profileId);
    const matches = (label: string | undefined) => {
      if (versionLabel === undefined || versionLabel === '') return true;
      if (label === undefined) return false;
      return versionLabel.endsWith('*')
        ? label.startsWith(versionLabel.slice(0, -1))
        : label === versionLabel;
    };
    return this.#state.hostedVersions
      .filter(
        (v) => v.applicationId === applicationId && v.profileId === profileId && matches(v.versionLabel),
      )
      .sort((a, b) => b.versionNumber - a.versionNumber);
  }

  readContent(version: HostedVersionRecord): Promise<Uint8Array> {
    return this.#store.readContent(version.applicationId, version.profileId, version.versionNumber);
  }
}

function view(record: StrategyRecord, predefined: boolean): StrategyView {
  return { ...record, predefined };
}

function checkName(value: unknown, member: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_NAME_LENGTH) {
    throw badRequest(`${member} must be 1 to ${MAX_NAME_LENGTH} characters, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalDescription(value: unknown): { description?: string } {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION_LENGTH) {
    throw badRequest(`Description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return { description: value };
}

function checkVersionLabel(label: string): void {
  if (label.length > MAX_LABEL_LENGTH || /^\d+$/.test(label)) {
    throw badRequest(
      `VersionLabel ${JSON.stringify(label)} must be at most ${MAX_LABEL_LENGTH} characters and contain a non-numeric character`,
    );
  }
}

function checkStrategy(input: {
  deploymentDurationInMinutes: unknown;
  growthFactor: unknown;
  growthType?: unknown;
  finalBakeTimeInMinutes?: unknown;
}): Pick<
  StrategyRecord,
  'deploymentDurationInMinutes' | 'growthFactor' | 'growthType' | 'finalBakeTimeInMinutes'
> {
  const minutes = (value: unknown, member: string) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_STRATEGY_MINUTES) {
      throw badRequest(
        `${member} must be a whole number from 0 to ${MAX_STRATEGY_MINUTES}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const growthFactor = input.growthFactor;
  if (typeof growthFactor !== 'number' || !(growthFactor >= 1 && growthFactor <= 100)) {
    throw badRequest(`GrowthFactor must be a number from 1 to 100, got ${JSON.stringify(growthFactor)}`);
  }
  const growthType = input.growthType ?? 'LINEAR';
  if (growthType !== 'LINEAR' && growthType !== 'EXPONENTIAL') {
    throw badRequest(`GrowthType must be LINEAR or EXPONENTIAL, got ${JSON.stringify(growthType)}`);
  }
  return {
    deploymentDurationInMinutes: minutes(input.deploymentDurationInMinutes, 'DeploymentDurationInMinutes'),
    growthFactor,
    growthType: growthType as GrowthType,
    finalBakeTimeInMinutes: minutes(input.finalBakeTimeInMinutes ?? 0, 'FinalBakeTimeInMinutes'),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
