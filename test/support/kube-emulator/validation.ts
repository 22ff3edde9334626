/**
 * Object metadata validation with apimachinery's wording (pkg/util/validation), so a driver
 * that builds an invalid name or label fails here exactly as it would on a real cluster.
 */
import type { NameRule, ResourceType } from './registry.ts';
import type { FieldError } from './status.ts';
import type { KubeObject } from './storage.ts';

const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN_FMT = `${LABEL_FMT}(\\.${LABEL_FMT})*`;
const QUALIFIED_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_FMT})?`;

/** apimachinery's RegexError, double space before "or" included. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

function full(fmt: string): RegExp {
  return new RegExp(`^${fmt}$`);
}

/** Problems with a DNS-1123 label (namespaces, services), empty when valid. */
export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!full(LABEL_FMT).test(value)) {
    errs.push(
      full(SUBDOMAIN_FMT).test(value)
        ? 'must not contain dots'
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            LABEL_FMT,
            'my-name',
            '123-abc',
          ),
    );
  }
  return errs;
}

/** Problems with a DNS-1123 subdomain (most object names), empty when valid. */
export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!full(SUBDOMAIN_FMT).test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  }
  return errs;
}

function pathSegment(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (value.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** Problems with a name under the given rule. */
export function nameProblems(name: string, rule: NameRule): string[] {
  if (rule === 'label') return dns1123Label(name);
  if (rule === 'path-segment') return pathSegment(name);
  return dns1123Subdomain(name);
}

function labelKeyProblems(key: string): string[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const errs: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !full(QUALIFIED_FMT).test(name)) {
    errs.push(
      `name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

function labelValueProblems(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!full(LABEL_VALUE_FMT).test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** Field errors of an object's metadata (name, labels, annotation keys, CRD naming rule). */
export function validateMetadata(object: KubeObject, type: ResourceType): FieldError[] {
  const errors: FieldError[] = [];
  const meta = object.metadata;
  const invalidAt = (field: string, value: unknown, detail: string) =>
    errors.push({ type: 'FieldValueInvalid', field, value, detail });
  if (!meta.name) {
    errors.push({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      detail: 'name or generateName is required',
    });
  } else {
    for (const p of nameProblems(meta.name, type.nameRule)) invalidAt('metadata.name', meta.name, p);
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const p of labelKeyProblems(key)) invalidAt('metadata.labels', key, p);
    if (typeof value !== 'string') invalidAt('metadata.labels', value, 'must be a string');
    else for (const p of labelValueProblems(value)) invalidAt('metadata.labels', value, p);
  }
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    for (const p of labelKeyProblems(key.toLowerCase())) invalidAt('metadata.annotations', key, p);
    if (typeof value !== 'string') invalidAt('metadata.annotations', value, 'must be a string');
  }
  for (const f of meta.finalizers ?? []) {
    if (typeof f !== 'string' || labelKeyProblems(f).length > 0) {
      invalidAt('metadata.finalizers', f, 'must be a qualified name');
    }
  }
  return errors;
}
