/**
 * `Status` objects worded the way kube-apiserver words them (k8s.io/apimachinery
 * pkg/api/errors): drivers parse `reason` and `code`, and people read `message`, so both must
 * look like the real thing.
 */

/** One cause inside `details.causes`. */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** `details` of a Status: `kind` is the resource (plural) for most reasons, the Kind for Invalid. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

/** A `meta/v1` Status as sent on the wire. */
export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** Thrown inside the emulator to answer a request with a failure Status. */
export class ApiStatusError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
  }
}

/** Group and plural of the resource an error is about. */
export interface GroupResource {
  readonly group: string;
  readonly plural: string;
}

/** Group and Kind, which Invalid errors name instead of the resource. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** A field-level validation problem (field.Error in apimachinery). */
export interface FieldError {
  readonly type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
  readonly field: string;
  readonly value?: unknown;
  /** Printed as is instead of quoting `value` (Go's `%#v` of non-strings, e.g. `0x0`). */
  readonly rawValue?: string;
  readonly detail: string;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiStatusError {
  const status: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
  return new ApiStatusError(status);
}

/** `plural.group`, or just `plural` for the core group (schema.GroupResource.String()). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.plural}.${gr.group}` : gr.plural;
}

function resourceDetails(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.plural };
}

/** 404 NotFound: `secrets "x" not found`. */
export function notFound(gr: GroupResource, name: string): ApiStatusError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, resourceDetails(gr, name));
}

/** 404 for a path that names no known resource. */
export function pathNotFound(): ApiStatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 AlreadyExists: `burstclusters.clusterburst.io "x" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): ApiStatusError {
  return failure(
    409,
    'AlreadyExists',
    `${qualifiedResource(gr)} "${name}" already exists`,
    resourceDetails(gr, name),
  );
}

/** The detail a stale resourceVersion produces (registry/generic OptimisticLockErrorMsg). */
export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 409 Conflict: `Operation cannot be fulfilled on leases.coordination.k8s.io "x": <detail>`. */
export function conflict(gr: GroupResource, name: string, detail = OPTIMISTIC_LOCK_MESSAGE): ApiStatusError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${detail}`,
    resourceDetails(gr, name),
  );
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The text of one field error without its field path, as used in `causes[].message`. */
export function fieldErrorBody(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueInvalid':
      return `Invalid value: ${e.rawValue ?? quote(e.value)}: ${e.detail}`;
    case 'FieldValueRequired':
      return `Required value: ${e.detail}`;
    case 'FieldValueForbidden':
      return `Forbidden: ${e.detail}`;
  }
}

/** 422 Invalid: `Namespace "Bad_Name" is invalid: metadata.name: Invalid value: ...`. */
export function invalid(gk: GroupKind, name: string, errors: readonly FieldError[]): ApiStatusError {
  const lines = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const aggregate = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const qualifiedKind = gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate}`, {
    name,
    ...(gk.group ? { group: gk.group } : {}),
    kind: gk.kind,
    causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  });
}

/** 400 BadRequest with a free-form message. */
export function badRequest(message: string): ApiStatusError {
  return failure(400, 'BadRequest', message);
}

/** 403 Forbidden: `secrets "x" is forbidden: <why>`. */
export function forbidden(gr: GroupResource, name: string, why: string): ApiStatusError {
  return failure(
    403,
    'Forbidden',
    `${qualifiedResource(gr)} "${name}" is forbidden: ${why}`,
    resourceDetails(gr, name),
  );
}

/** 401 Unauthorized, as sent for a missing or unknown bearer token. */
export function unauthorized(): ApiStatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(): ApiStatusError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** 415 UnsupportedMediaType, e.g. for server-side apply which the emulator does not implement. */
export function unsupportedMediaType(contentType: string): ApiStatusError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
  );
}

/** 500 InternalError: `Internal error occurred: <why>`. */
export function internalError(why: string): ApiStatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${why}`, { causes: [{ message: why }] });
}

/** The Status a successful delete of a built-in resource returns. */
export function deleteSuccess(gr: GroupResource, name: string, uid: string): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...resourceDetails(gr, name), uid },
    code: 200,
  };
}
