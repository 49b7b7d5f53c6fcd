/**
 * What IAM Identity Center requires of users and groups beyond the model, and the UpdateUser /
 * UpdateGroup `Operations` (AttributePath + Document AttributeValue; a null value removes).
 */
import { type Attributes, cloneJson } from './entities';
import { canonicalize, shape, throwIfInvalid, validateValue } from './model';

export const RESERVED_NAMES = ['administrator', 'awsadministrators'];

function missing(errors: string[], path: string): void {
  errors.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
}

function isReserved(v: unknown): boolean {
  return typeof v === 'string' && RESERVED_NAMES.includes(v.toLowerCase());
}

/** UserName, DisplayName, Name.GivenName and Name.FamilyName are required; reserved names refused. */
export function userRuleErrors(attrs: Attributes, prefix = ''): string[] {
  const errors: string[] = [];
  if (attrs.UserName == null) missing(errors, `${prefix}UserName`);
  if (attrs.DisplayName == null) missing(errors, `${prefix}DisplayName`);
  const name = (attrs.Name ?? {}) as Record<string, unknown>;
  if (name.GivenName == null) missing(errors, `${prefix}Name.GivenName`);
  if (name.FamilyName == null) missing(errors, `${prefix}Name.FamilyName`);
  if (isReserved(attrs.UserName)) {
    errors.push(
      `Value at '${prefix}UserName' failed to satisfy constraint: Administrator and AWSAdministrators are reserved names`,
    );
  }
  return errors;
}

export function groupRuleErrors(attrs: Attributes, prefix = ''): string[] {
  const errors: string[] = [];
  if (attrs.DisplayName == null) missing(errors, `${prefix}DisplayName`);
  if (isReserved(attrs.DisplayName)) {
    errors.push(
      `Value at '${prefix}DisplayName' failed to satisfy constraint: Administrator and AWSAdministrators are reserved names`,
    );
  }
  return errors;
}

interface PathTarget {
  /** Model member name on the entity, e.g. `Name`. */
  member: string;
  /** Sub-member of a structure member, e.g. `GivenName` for `name.givenName`. */
  sub?: string;
  /** Shape of the value written at this path. */
  shape: string;
}

/** `userName` → UserName, `name.givenName` → Name.GivenName, ..., keyed by lower-cased path. */
function pathsOf(requestShape: string, exclude: string[]): Map<string, PathTarget> {
  const out = new Map<string, PathTarget>();
  for (const [member, ref] of Object.entries(shape(requestShape).members ?? {})) {
    if (exclude.includes(member)) continue;
    out.set(member.toLowerCase(), { member, shape: ref.shape });
    const s = shape(ref.shape);
    if (s.type === 'structure' && !s.document && !s.union) {
      for (const [sub, subRef] of Object.entries(s.members ?? {})) {
        out.set(`${member}.${sub}`.toLowerCase(), { member, sub, shape: subRef.shape });
      }
    }
  }
  return out;
}

const USER_PATHS = pathsOf('CreateUserRequest', ['IdentityStoreId', 'Extensions']);
const GROUP_PATHS = pathsOf('CreateGroupRequest', ['IdentityStoreId']);
const EXTENSION_PATH = /^(aws:identitystore:[a-z]{1,20})((?:\.\p{L}+){0,3})$/u;

interface AttributeOperation {
  AttributePath?: unknown;
  AttributeValue?: unknown;
}

function applyOne(
  attrs: Attributes,
  paths: Map<string, PathTarget>,
  op: AttributeOperation,
  i: number,
  errors: string[],
): void {
  const path = String(op.AttributePath);
  const where = `Operations[${i}].AttributeValue`;
  const remove = op.AttributeValue === null || op.AttributeValue === undefined;
  const ext = paths === USER_PATHS ? EXTENSION_PATH.exec(path) : null;
  if (ext?.[1]) {
    applyExtension(attrs, ext[1], (ext[2] ?? '').split('.').slice(1), op, errors, where);
    return;
  }
  const target = paths.get(path.toLowerCase());
  if (!target) {
    errors.push(
      `Value at 'Operations[${i}].AttributePath' failed to satisfy constraint: Unsupported attribute path '${path}'`,
    );
    return;
  }
  let value: unknown;
  if (!remove) {
    value = canonicalize(target.shape, op.AttributeValue, where, errors);
    validateValue(target.shape, value, where, errors);
  }
  if (target.sub === undefined) {
    if (remove) delete attrs[target.member];
    else attrs[target.member] = value;
    return;
  }
  const parent = { ...((attrs[target.member] as Record<string, unknown> | undefined) ?? {}) };
  if (remove) delete parent[target.sub];
  else parent[target.sub] = value;
  if (Object.keys(parent).length === 0) delete attrs[target.member];
  else attrs[target.member] = parent;
}

function applyExtension(
  attrs: Attributes,
  name: string,
  keys: string[],
  op: AttributeOperation,
  errors: string[],
  where: string,
): void {
  const remove = op.AttributeValue === null || op.AttributeValue === undefined;
  const extensions = { ...((attrs.Extensions as Record<string, unknown> | undefined) ?? {}) };
  if (keys.length === 0) {
    if (remove) delete extensions[name];
    else if (typeof op.AttributeValue !== 'object' || Array.isArray(op.AttributeValue)) {
      errors.push(`Value at '${where}' failed to satisfy constraint: Member must be an object`);
    } else extensions[name] = op.AttributeValue;
  } else {
    const root = cloneJson((extensions[name] ?? {}) as Record<string, unknown>);
    let node = root;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      const child: Record<string, unknown> =
        typeof next === 'object' && next !== null && !Array.isArray(next)
          ? (next as Record<string, unknown>)
          : {};
      node[k] = child;
      node = child;
    }
    const last = keys[keys.length - 1] ?? '';
    if (remove) delete node[last];
    else node[last] = op.AttributeValue;
    extensions[name] = root;
  }
  if (Object.keys(extensions).length === 0) delete attrs.Extensions;
  else attrs.Extensions = extensions;
}

function applyOperations(
  current: Attributes,
  paths: Map<string, PathTarget>,
  operations: AttributeOperation[],
  rules: (a: Attributes) => string[],
): Attributes {
  const attrs = cloneJson(current);
  const errors: string[] = [];
  operations.forEach((op, i) => {
    applyOne(attrs, paths, op, i, errors);
  });
  if (errors.length === 0) errors.push(...rules(attrs));
  throwIfInvalid(errors);
  return attrs;
}

/** The user's attributes after `operations`, validated; throws ValidationException. */
export function applyUserOperations(current: Attributes, operations: AttributeOperation[]): Attributes {
  return applyOperations(current, USER_PATHS, operations, (a) => userRuleErrors(a));
}

export function applyGroupOperations(current: Attributes, operations: AttributeOperation[]): Attributes {
  return applyOperations(current, GROUP_PATHS, operations, (a) => groupRuleErrors(a));
}

/** Copies the members of `input` that belong to `shapeName` (minus `exclude`) into attributes. */
export function pickAttributes(
  shapeName: string,
  input: Record<string, unknown>,
  exclude: string[],
): Attributes {
  const out: Attributes = {};
  for (const member of Object.keys(shape(shapeName).members ?? {})) {
    if (exclude.includes(member)) continue;
    const v = input[member];
    if (v !== undefined && v !== null) out[member] = cloneJson(v);
  }
  return out;
}
