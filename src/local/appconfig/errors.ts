/**
 * AppConfig and AppConfigData errors as the services send them: an HTTP status, the error type in
 * `x-amzn-ErrorType` and a JSON body with `Message` and the exception's own members, which is what
 * the SDK v3 clients turn into their typed exceptions.
 */
export type AppConfigErrorType =
  | 'BadRequestException'
  | 'ConflictException'
  | 'ResourceNotFoundException'
  | 'PayloadTooLargeException'
  | 'InternalServerException'
  | 'UnknownOperationException';

const STATUS: Record<AppConfigErrorType, number> = {
  BadRequestException: 400,
  ConflictException: 409,
  ResourceNotFoundException: 404,
  PayloadTooLargeException: 413,
  InternalServerException: 500,
  UnknownOperationException: 404,
};

export class AppConfigApiError extends Error {
  readonly type: AppConfigErrorType;
  readonly status: number;
  /** Members of the exception besides `Message` (Reason, Details, ResourceName, ResourceType...). */
  readonly members: Readonly<Record<string, unknown>>;

  constructor(
    type: AppConfigErrorType,
    message: string,
    members: Readonly<Record<string, unknown>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppConfigApiError';
    this.type = type;
    this.status = STATUS[type];
    this.members = members;
  }
}

export function badRequest(message: string, members?: Readonly<Record<string, unknown>>): AppConfigApiError {
  return new AppConfigApiError('BadRequestException', message, members);
}

export function conflict(message: string): AppConfigApiError {
  return new AppConfigApiError('ConflictException', message);
}

/** AppConfig names the resource in `ResourceName`; AppConfigData its kind in `ResourceType`. */
export function notFound(message: string, members?: Readonly<Record<string, unknown>>): AppConfigApiError {
  return new AppConfigApiError('ResourceNotFoundException', message, members);
}
