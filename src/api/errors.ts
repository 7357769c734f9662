/**
 * The one table of error codes a client of the Tencent Cloud API 3.0 surface can receive.
 * Codes and default messages follow Tencent's published lists; docs/api-errors.md documents every
 * code (and where livehook departs from Tencent) and a test keeps the two in step.
 */
export const API_ERRORS = {
  // Platform-wide (API 3.0 common errors)
  'AuthFailure.InvalidAuthorization': 'The Authorization header is missing or malformed.',
  'AuthFailure.SecretIdNotFound': 'The SecretId does not exist or has been revoked.',
  'AuthFailure.SignatureExpire':
    'Signature expired. The timestamp and server time cannot differ by more than five minutes.',
  'AuthFailure.SignatureFailure': 'The signature does not match the request.',
  InternalError: 'An internal error occurred.',
  InvalidAction: 'The requested action does not exist.',
  InvalidParameter: 'A parameter is invalid.',
  InvalidParameterValue: 'A parameter value is invalid.',
  MissingParameter: 'A required parameter is missing.',
  NoSuchVersion: 'The requested API version does not exist.',
  RequestSizeLimitExceeded: 'The request body is too large.',
  UnknownParameter: 'An unknown parameter was passed.',
  UnsupportedProtocol: 'The HTTP method or content type is not supported.',
  FailedOperation: 'The operation failed.',
  // Live: domains and push authentication
  'FailedOperation.DomainAdded': 'The domain name has been added.',
  'FailedOperation.HostOutLimit': 'The number of domain names exceeded the upper limit (100).',
  'InvalidParameter.DomainAlreadyExist': 'The domain name already exists.',
  'InvalidParameter.DomainFormatError':
    'The domain name format is incorrect. Please enter a valid one.',
  'InvalidParameter.DomainTooLong': 'The domain name is too long.',
  'ResourceNotFound.DomainNotExist': 'The domain name does not exist.',
  'ResourceNotFound.PushDomainNoRecord': 'The push domain does not exist.',
  // Live: streams
  'ResourceNotFound.StreamNotAlive': 'The stream is not being pushed.',
  // Live: callback templates and rules
  'FailedOperation.ConfInUsed': 'The template is in use.',
  'FailedOperation.NotFound': 'No records found.',
  'InternalError.ConfOutLimit': 'The number of templates exceeded the limit.',
  'InternalError.RuleAlreadyExist': 'The rule has already been configured.',
  'InvalidParameter.ArgsNotMatch': 'Incorrect template name.',
  'InvalidParameter.ConfNotFound': 'Configuration not found.',
  // Live: snapshot and record templates and rules
  'FailedOperation.RuleAlreadyExist': 'The rule already exists.',
  'InvalidParameter.COSCustomFileNameError': 'The custom COS file name or path is invalid.',
  // API signing (docs/api-signing.md)
  'AuthFailure.TokenFailure': 'The token is invalid.',
} as const satisfies Record<string, string>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error meant for the client: it becomes the `Response.Error` of the envelope. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message?: string) {
    super(message ?? API_ERRORS[code]);
    this.name = 'ApiError';
    this.code = code;
  }
}

export const apiError = (code: ApiErrorCode, message?: string): ApiError =>
  new ApiError(code, message);

export const isApiErrorCode = (value: unknown): value is ApiErrorCode =>
  typeof value === 'string' && Object.hasOwn(API_ERRORS, value);
