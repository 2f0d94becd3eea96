/**
 * AppConfig extensions: extensions (versions of a set of actions per action point) and their
 * associations with an application, environment or configuration profile (by ARN), and the calls
 * AppConfig makes to an action's Lambda with the event of the action point. Methods change the state
 * in memory; the emulator commits. The deployment engine asks which actions apply to a deployment.
 */
import { randomUUID } from 'node:crypto';
import {
  applicationArn,
  environmentArn,
  extensionArn,
  extensionAssociationArn,
  parseResourceArn,
  profileArn,
} from './arns.ts';
import type { ControlPlane } from './control-plane.ts';
import { badRequest, conflict, notFound } from './errors.ts';
import { resourceId } from './ids.ts';
import {
  ACTION_POINTS,
  type ActionPoint,
  type EmulatorState,
  type ExtensionActionRecord,
  type ExtensionAssociationRecord,
  type ExtensionParameterRecord,
  type ExtensionRecord,
} from './model.ts';

/**
 * Calls the Lambda function of an action with AppConfig's event; a rejection is the function's
 * error. Local mode routes ARNs to in-process handlers.
 */
export type InvokeLambda = (functionArn: string, event: ExtensionEvent) => Promise<unknown>;

/** The `Type` of the event per action point, as AppConfig sends it to the Lambda. */
export const EVENT_TYPE: Readonly<Record<ActionPoint, string>> = {
  PRE_CREATE_HOSTED_CONFIGURATION_VERSION: 'PreCreateHostedConfigurationVersion',
  PRE_START_DEPLOYMENT: 'PreStartDeployment',
  AT_DEPLOYMENT_TICK: 'AtDeploymentTick',
  ON_DEPLOYMENT_START: 'OnDeploymentStart',
  ON_DEPLOYMENT_STEP: 'OnDeploymentStep',
  ON_DEPLOYMENT_BAKING: 'OnDeploymentBaking',
  ON_DEPLOYMENT_COMPLETE: 'OnDeploymentComplete',
  ON_DEPLOYMENT_ROLLED_BACK: 'OnDeploymentRolledBack',
};

/**
 * The event an extension's Lambda receives for a deployment action point (AppConfig's request
 * payload). PRE_START_DEPLOYMENT carries the content (base64) and its type; AT_DEPLOYMENT_TICK the
 * deployment's state and percentage. A type alias so it is assignable to `Record<string, unknown>`.
 */
export type ExtensionEvent = {
  readonly InvocationId: string;
  readonly Type: string;
  readonly Application: { readonly Id: string; readonly Name?: string };
  readonly Environment: { readonly Id: string; readonly Name?: string };
  readonly ConfigurationProfile: { readonly Id: string; readonly Name: string };
  readonly DeploymentNumber: number;
  readonly Description?: string;
  readonly ConfigurationVersion: string;
  readonly DeploymentState?: string;
  readonly PercentageComplete?: number;
  readonly ContentType?: string;
  readonly Content?: string;
  readonly Parameters: Readonly<Record<string, string>>;
};

/** An action that applies to a deployment, with the association whose parameters it receives. */
export interface ResolvedAction {
  readonly extension: ExtensionRecord;
  readonly association: ExtensionAssociationRecord;
  readonly action: ExtensionActionRecord;
}

/** Where a deployment happens: the resources an association may name. */
export interface DeploymentScope {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
}

/** An action's Lambda failed, or answered with AppConfig's `{Error, Message}` response. */
export class ExtensionActionError extends Error {
  readonly errorCode: string;
  readonly invocationId: string;

  constructor(message: string, errorCode: string, invocationId: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExtensionActionError';
    this.errorCode = errorCode;
    this.invocationId = invocationId;
  }
}

const MAX_NAME_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 1024;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

export interface CreateExtensionInput {
  readonly name: unknown;
  readonly description?: unknown;
  readonly actions: unknown;
  readonly parameters?: unknown;
  /** A new version of an extension of this name needs its latest version number. */
  readonly latestVersionNumber?: number;
}

export interface CreateAssociationInput {
  readonly extensionIdentifier: unknown;
  readonly resourceIdentifier: unknown;
  readonly extensionVersionNumber?: unknown;
  readonly parameters?: unknown;
}

export class ExtensionRegistry {
  readonly #state: EmulatorState;
  readonly #controlPlane: ControlPlane;
  readonly #region: string;

  constructor(deps: { state: EmulatorState; controlPlane: ControlPlane; region: string }) {
    this.#state = deps.state;
    this.#controlPlane = deps.controlPlane;
    this.#region = deps.region;
  }

  arnOf(extension: ExtensionRecord): string {
    return extensionArn(this.#region, extension.id, extension.versionNumber);
  }

  associationArnOf(association: ExtensionAssociationRecord): string {
    return extensionAssociationArn(this.#region, association.id);
  }

  // Extensions

  createExtension(input: CreateExtensionInput): ExtensionRecord {
    const name = checkName(input.name);
    const versions = this.#state.extensions.filter((e) => e.name === name);
    const latest = Math.max(0, ...versions.map((e) => e.versionNumber));
    if (latest > 0 && input.latestVersionNumber === undefined) {
      throw conflict(
        `An extension named ${JSON.stringify(name)} already exists: give LatestVersionNumber ${latest} to create a new version`,
      );
    }
    if (input.latestVersionNumber !== undefined && input.latestVersionNumber !== latest) {
      throw conflict(
        `LatestVersionNumber ${input.latestVersionNumber} does not match the latest version ${latest} of extension ${JSON.stringify(name)}`,
      );
    }
    const id =
      versions[0]?.id ??
      resourceId('extension', '', name, (c) => this.#state.extensions.some((e) => e.id === c));
    const record: ExtensionRecord = {
      id,
      name,
      versionNumber: latest + 1,
      ...optionalDescription(input.description),
      actions: checkActions(input.actions),
      parameters: checkParameters(input.parameters),
    };
    this.#state.extensions.push(record);
    return record;
  }

  /**
   * The extension of that name with this definition: its latest version when that has the same
   * description, actions and parameters, otherwise a new version (or the first).
   */
  ensureExtension(input: Omit<CreateExtensionInput, 'latestVersionNumber'>): ExtensionRecord {
    const name = checkName(input.name);
    const [latest] = this.listExtensions(name);
    const definition = (e: Pick<ExtensionRecord, 'description' | 'actions' | 'parameters'>) =>
      JSON.stringify([e.description, e.actions, e.parameters]);
    const wanted = {
      ...optionalDescription(input.description),
      actions: checkActions(input.actions),
      parameters: checkParameters(input.parameters),
    };
    if (latest && definition(latest) === definition(wanted)) return latest;
    return this.createExtension({
      ...input,
      ...(latest ? { latestVersionNumber: latest.versionNumber } : {}),
    });
  }

  /** By id, name or ARN; the latest version unless one is asked for (an ARN names its version). */
  extension(identifier: string, versionNumber?: number): ExtensionRecord {
    const fromArn = /^arn:aws:appconfig:[a-z0-9-]+:\d{12}:extension\/([a-z0-9]+)\/(\d+)$/.exec(identifier);
    const key = fromArn ? (fromArn[1] as string) : identifier;
    const version = versionNumber ?? (fromArn ? Number(fromArn[2]) : undefined);
    const versions = this.#state.extensions.filter((e) => e.id === key || e.name === key);
    const found =
      version === undefined
        ? versions.sort((a, b) => b.versionNumber - a.versionNumber)[0]
        : versions.find((e) => e.versionNumber === version);
    if (!found) {
      throw notFound(
        `Extension ${identifier}${version !== undefined ? ` version ${version}` : ''} not found`,
        { ResourceName: identifier },
      );
    }
    return found;
  }

  /** The latest version of each extension, optionally only those of a name. */
  listExtensions(name?: string): ExtensionRecord[] {
    const latest = new Map<string, ExtensionRecord>();
    for (const e of this.#state.extensions) {
      if (name !== undefined && name !== '' && e.name !== name) continue;
      const seen = latest.get(e.id);
      if (!seen || seen.versionNumber < e.versionNumber) latest.set(e.id, e);
    }
    return [...latest.values()];
  }

  /** Deletes a version (or every version); an associated version cannot be deleted. */
  deleteExtension(identifier: string, versionNumber?: number): void {
    const target = this.extension(identifier, versionNumber);
    const doomed = this.#state.extensions.filter(
      (e) => e.id === target.id && (versionNumber === undefined || e.versionNumber === versionNumber),
    );
    const associated = this.#state.extensionAssociations.find((a) =>
      doomed.some((e) => e.id === a.extensionId && e.versionNumber === a.extensionVersionNumber),
    );
    if (associated) {
      throw conflict(
        `Extension ${target.name} is associated with ${associated.resourceArn} (association ${associated.id}): delete the association first`,
      );
    }
    for (const e of doomed) this.#state.extensions.splice(this.#state.extensions.indexOf(e), 1);
  }

  // Associations

  createAssociation(input: CreateAssociationInput): ExtensionAssociationRecord {
    const identifier = requiredString(input.extensionIdentifier, 'ExtensionIdentifier');
    const resourceArn = requiredString(input.resourceIdentifier, 'ResourceIdentifier');
    const version = input.extensionVersionNumber;
    if (version !== undefined && !(typeof version === 'number' && Number.isInteger(version))) {
      throw badRequest(`ExtensionVersionNumber must be a whole number, got ${JSON.stringify(version)}`);
    }
    const extension = this.extension(identifier, version);
    this.#checkResource(resourceArn);
    const parameters = checkParameterValues(input.parameters);
    for (const [name, definition] of Object.entries(extension.parameters)) {
      if (definition.required && !definition.dynamic && parameters[name] === undefined) {
        throw badRequest(`Parameter ${name} of extension ${extension.name} is required`);
      }
    }
    for (const name of Object.keys(parameters)) {
      if (!extension.parameters[name]) {
        throw badRequest(`Extension ${extension.name} has no parameter ${JSON.stringify(name)}`);
      }
    }
    const duplicate = this.#state.extensionAssociations.find(
      (a) => a.extensionId === extension.id && a.resourceArn === resourceArn,
    );
    if (duplicate) {
      throw conflict(
        `Extension ${extension.name} is already associated with ${resourceArn} (association ${duplicate.id})`,
      );
    }
    const id = resourceId('extensionAssociation', extension.id, resourceArn, (c) =>
      this.#state.extensionAssociations.some((a) => a.id === c),
    );
    const record: ExtensionAssociationRecord = {
      id,
      extensionId: extension.id,
      extensionVersionNumber: extension.versionNumber,
      resourceArn,
      parameters,
    };
    this.#state.extensionAssociations.push(record);
    return record;
  }

  /**
   * The association of this extension and resource, created if needed, and moved to the extension's
   * latest version (provisioning after a new version).
   */
  ensureAssociation(input: CreateAssociationInput): ExtensionAssociationRecord {
    const extension = this.extension(requiredString(input.extensionIdentifier, 'ExtensionIdentifier'));
    const existing = this.#state.extensionAssociations.find(
      (a) => a.extensionId === extension.id && a.resourceArn === input.resourceIdentifier,
    );
    if (!existing) return this.createAssociation(input);
    if (existing.extensionVersionNumber === extension.versionNumber) return existing;
    const updated = { ...existing, extensionVersionNumber: extension.versionNumber };
    this.#state.extensionAssociations.splice(this.#state.extensionAssociations.indexOf(existing), 1, updated);
    return updated;
  }

  association(associationId: string): ExtensionAssociationRecord {
    const found = this.#state.extensionAssociations.find((a) => a.id === associationId);
    if (!found) {
      throw notFound(`Extension association ${associationId} not found`, { ResourceName: associationId });
    }
    return found;
  }

  listAssociations(filter: {
    resourceIdentifier?: string;
    extensionIdentifier?: string;
    extensionVersionNumber?: number;
  }): ExtensionAssociationRecord[] {
    const extensionId =
      filter.extensionIdentifier !== undefined && filter.extensionIdentifier !== ''
        ? this.extension(filter.extensionIdentifier).id
        : undefined;
    return this.#state.extensionAssociations.filter(
      (a) =>
        (filter.resourceIdentifier === undefined ||
          filter.resourceIdentifier === '' ||
          a.resourceArn === filter.resourceIdentifier) &&
        (extensionId === undefined || a.extensionId === extensionId) &&
        (filter.extensionVersionNumber === undefined ||
          a.extensionVersionNumber === filter.extensionVersionNumber),
    );
  }

  deleteAssociation(associationId: string): void {
    const found = this.association(associationId);
    this.#state.extensionAssociations.splice(this.#state.extensionAssociations.indexOf(found), 1);
  }

  /**
   * The actions of an action point that apply to a deployment: those of extensions associated with
   * its application, its environment or its configuration profile (in that order).
   */
  actionsFor(point: ActionPoint, scope: DeploymentScope): ResolvedAction[] {
    const resources = [
      applicationArn(this.#region, scope.applicationId),
      environmentArn(this.#region, scope.applicationId, scope.environmentId),
      profileArn(this.#region, scope.applicationId, scope.profileId),
    ];
    const resolved: ResolvedAction[] = [];
    for (const resource of resources) {
      for (const association of this.#state.extensionAssociations) {
        if (association.resourceArn !== resource) continue;
        const extension = this.#state.extensions.find(
          (e) => e.id === association.extensionId && e.versionNumber === association.extensionVersionNumber,
        );
        for (const action of extension?.actions[point] ?? []) {
          resolved.push({ extension: extension as ExtensionRecord, association, action });
        }
      }
    }
    return resolved;
  }

  #checkResource(arn: string): void {
    const parts = parseResourceArn(arn);
    if (!parts) {
      throw badRequest(
        `ResourceIdentifier must be the ARN of an application, environment or configuration profile, got ${JSON.stringify(arn)}`,
      );
    }
    if (parts.region !== this.#region) {
      throw notFound(`Resource ${arn} is not in region ${this.#region}`, { ResourceName: arn });
    }
    if (parts.environmentId !== undefined)
      this.#controlPlane.environment(parts.applicationId, parts.environmentId);
    else if (parts.profileId !== undefined) this.#controlPlane.profile(parts.applicationId, parts.profileId);
    else this.#controlPlane.application(parts.applicationId);
  }
}

/**
 * Runs one action: a rejection, or AppConfig's error response `{Error, Message}`, is an
 * ExtensionActionError carrying the function's message.
 */
export async function runAction(
  invoke: InvokeLambda | undefined,
  resolved: ResolvedAction,
  event: Omit<ExtensionEvent, 'InvocationId' | 'Parameters'>,
): Promise<{ invocationId: string }> {
  const invocationId = randomUUID();
  if (!invoke) {
    throw new ExtensionActionError(
      `No Lambda function can be invoked for ${resolved.action.uri} (the emulator was given no invokeLambda)`,
      'InternalError',
      invocationId,
    );
  }
  let result: unknown;
  try {
    result = await invoke(resolved.action.uri, {
      ...event,
      InvocationId: invocationId,
      Parameters: resolved.association.parameters,
    });
  } catch (error) {
    throw new ExtensionActionError(
      error instanceof Error ? error.message : String(error),
      'LambdaError',
      invocationId,
      { cause: error },
    );
  }
  const response = result as { Error?: unknown; Message?: unknown } | null | undefined;
  if (typeof response?.Error === 'string') {
    throw new ExtensionActionError(
      typeof response.Message === 'string' ? response.Message : response.Error,
      response.Error,
      invocationId,
    );
  }
  return { invocationId };
}

function checkName(value: unknown): string {
  if (typeof value !== 'string' || !/^[^/#:\n]{1,64}$/.test(value)) {
    throw badRequest(
      `Name must be 1 to ${MAX_NAME_LENGTH} characters without /, # or :, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function requiredString(value: unknown, member: string): string {
  if (typeof value !== 'string' || value === '') throw badRequest(`${member} is required`);
  return value;
}

function optionalDescription(value: unknown): { description?: string } {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION_LENGTH) {
    throw badRequest(`Description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return { description: value };
}

function checkActions(value: unknown): Partial<Record<ActionPoint, ExtensionActionRecord[]>> {
  if (typeof value !== 'object' || value === null || Object.keys(value).length === 0) {
    throw badRequest('Actions is required: a map of action point to a list of actions');
  }
  const actions: Partial<Record<ActionPoint, ExtensionActionRecord[]>> = {};
  for (const [point, list] of Object.entries(value)) {
    if (!(ACTION_POINTS as readonly string[]).includes(point)) {
      throw badRequest(
        `${JSON.stringify(point)} is not an action point: use one of ${ACTION_POINTS.join(', ')}`,
      );
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw badRequest(`Action point ${point} needs a list of at least one action`);
    }
    actions[point as ActionPoint] = list.map((raw: Record<string, unknown>) => {
      const name = requiredString(raw?.Name, 'Action Name');
      const uri = requiredString(raw?.Uri, 'Action Uri');
      if (!LAMBDA_ARN.test(uri)) {
        throw badRequest(
          `Action ${name}: Uri ${JSON.stringify(uri)} is not a Lambda function ARN (the emulator invokes Lambda actions only)`,
        );
      }
      return {
        name,
        uri,
        ...optionalDescription(raw.Description),
        ...(typeof raw.RoleArn === 'string' && raw.RoleArn !== '' ? { roleArn: raw.RoleArn } : {}),
      };
    });
  }
  return actions;
}

function checkParameters(value: unknown): Record<string, ExtensionParameterRecord> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw badRequest('Parameters must be a map of name to parameter');
  const parameters: Record<string, ExtensionParameterRecord> = {};
  for (const [name, raw] of Object.entries(value as Record<string, Record<string, unknown>>)) {
    parameters[name] = {
      ...optionalDescription(raw?.Description),
      required: raw?.Required === true,
      dynamic: raw?.Dynamic === true,
    };
  }
  return parameters;
}

function checkParameterValues(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) {
    throw badRequest('Parameters must be a map of name to string value');
  }
  return { ...(value as Record<string, string>) };
}
