/**
 * Service errors as the Identity Store returns them over AWS JSON 1.1: an error name (sent as
 * `x-amzn-ErrorType` and `__type`), a message and the members of the error shape.
 */
export type ServiceErrorName =
  | 'AccessDeniedException'
  | 'ConflictException'
  | 'InternalServerException'
  | 'ResourceNotFoundException'
  | 'ServiceQuotaExceededException'
  | 'ThrottlingException'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException';

export type ResourceType = 'USER' | 'GROUP' | 'GROUP_MEMBERSHIP' | 'IDENTITY_STORE';

export class ServiceError extends Error {
  override readonly name: ServiceErrorName;
  readonly fields: Record<string, unknown>;

  constructor(name: ServiceErrorName, message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = name;
    this.fields = fields;
  }

  get statusCode(): number {
    return this.name === 'InternalServerException' ? 500 : 400;
  }

  /** The JSON body: `{"__type", "Message", ...members}`. */
  body(requestId: string): Record<string, unknown> {
    return { __type: this.name, Message: this.message, ...this.fields, RequestId: requestId };
  }
}

export function validationError(message: string): ServiceError {
  return new ServiceError('ValidationException', message);
}

export function notFound(type: ResourceType, id: string, what?: string): ServiceError {
  const label = what ?? type.toLowerCase().replace('_', ' ');
  return new ServiceError('ResourceNotFoundException', `The ${label} ${id} was not found.`, {
    ResourceType: type,
    ResourceId: id,
  });
}

export function uniquenessConflict(message: string): ServiceError {
  return new ServiceError('ConflictException', message, { Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION' });
}

export function throttled(message: string, retryAfterSeconds: number): ServiceError {
  return new ServiceError('ThrottlingException', message, { RetryAfterSeconds: retryAfterSeconds });
}

export function internalError(message: string): ServiceError {
  return new ServiceError('InternalServerException', message);
}
