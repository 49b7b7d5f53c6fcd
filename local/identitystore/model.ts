/**
 * The Identity Store API model (botocore JSON, loaded at runtime) and a generic validator that walks
 * an operation's input shape the way the service does: required members, string length and pattern,
 * integer range, list/map size, enum values, unions and documents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validationError } from './errors';

export const OPERATIONS = [
  'CreateGroup',
  'CreateGroupMembership',
  'CreateUser',
  'DeleteGroup',
  'DeleteGroupMembership',
  'DeleteUser',
  'DescribeGroup',
  'DescribeGroupMembership',
  'DescribeUser',
  'GetGroupId',
  'GetGroupMembershipId',
  'GetUserId',
  'IsMemberInGroups',
  'ListGroupMemberships',
  'ListGroupMembershipsForMember',
  'ListGroups',
  'ListUsers',
  'UpdateGroup',
  'UpdateUser',
] as const;

export type OperationName = (typeof OPERATIONS)[number];

/** The operations that change state (Create*, Update*, Delete*). */
export const WRITE_OPERATIONS: readonly OperationName[] = OPERATIONS.filter((op) =>
  /^(Create|Update|Delete)/.test(op),
);

export function isOperationName(name: string): name is OperationName {
  return (OPERATIONS as readonly string[]).includes(name);
}

export interface MemberRef {
  shape: string;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
  document?: boolean;
  sensitive?: boolean;
}

interface ServiceModel {
  metadata: { targetPrefix: string };
  operations: Record<string, { input: MemberRef; output?: MemberRef }>;
  shapes: Record<string, Shape>;
}

function loadModel(): ServiceModel {
  const file = join(__dirname, 'aws-model', 'identitystore-2020-06-15.service-2.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ServiceModel;
  const missing = OPERATIONS.filter((op) => !parsed.operations[op]);
  if (missing.length > 0) throw new Error(`Identity Store model lacks operations: ${missing.join(', ')}`);
  return parsed;
}

export const MODEL = loadModel();
export const TARGET_PREFIX = MODEL.metadata.targetPrefix;

export function shape(name: string): Shape {
  const s = MODEL.shapes[name];
  if (!s) throw new Error(`unknown shape ${name}`);
  return s;
}

export function inputShapeName(op: OperationName): string {
  const o = MODEL.operations[op];
  if (!o) throw new Error(`unknown operation ${op}`);
  return o.input.shape;
}

const patternCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function violation(errors: string[], s: Shape, value: unknown, path: string, constraint: string): void {
  const what = s.sensitive || typeof value === 'object' ? 'Value' : `Value '${String(value)}'`;
  errors.push(`${what} at '${path}' failed to satisfy constraint: Member ${constraint}`);
}

function checkSize(errors: string[], s: Shape, value: unknown, path: string, n: number): void {
  if (s.min !== undefined && n < s.min)
    violation(errors, s, value, path, `must have length greater than or equal to ${s.min}`);
  if (s.max !== undefined && n > s.max)
    violation(errors, s, value, path, `must have length less than or equal to ${s.max}`);
}

/** Length in code points; the UTF-16 length when that gives the same verdict (the common case). */
function stringLength(s: Shape, value: string): number {
  return value.length <= (s.max ?? Number.POSITIVE_INFINITY) && (s.min ?? 0) <= 1
    ? value.length
    : [...value].length;
}

/** Appends constraint violations of `value` (which is present) against shape `name` to `errors`. */
export function validateValue(name: string, value: unknown, path: string, errors: string[]): void {
  const s = shape(name);
  if (s.document) return; // a Document is any JSON value
  switch (s.type) {
    case 'structure': {
      if (!isObject(value)) {
        violation(errors, s, value, path, 'must be an object');
        return;
      }
      const members = s.members ?? {};
      if (s.required) {
        for (const req of s.required) {
          if (value[req] === undefined || value[req] === null) {
            errors.push(
              `Value null at '${join2(path, req)}' failed to satisfy constraint: Member must not be null`,
            );
          }
        }
      }
      let set = 0;
      for (const key of Object.keys(value)) {
        const ref = Object.hasOwn(members, key) ? members[key] : undefined;
        const v = value[key];
        if (!ref || v === undefined || v === null) continue; // unknown members are ignored, like the service
        set++;
        validateValue(ref.shape, v, join2(path, key), errors);
      }
      if (s.union && set !== 1) {
        violation(
          errors,
          s,
          value,
          path,
          `must have exactly one of [${Object.keys(members).join(', ')}] set`,
        );
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        violation(errors, s, value, path, 'must be a list');
        return;
      }
      checkSize(errors, s, value, path, value.length);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === null || item === undefined) {
          errors.push(`Value null at '${path}[${i}]' failed to satisfy constraint: Member must not be null`);
        } else validateValue(s.member?.shape ?? '', item, `${path}[${i}]`, errors);
      }
      return;
    }
    case 'map': {
      if (!isObject(value)) {
        violation(errors, s, value, path, 'must be a map');
        return;
      }
      const entries = Object.entries(value);
      checkSize(errors, s, value, path, entries.length);
      for (const [k, v] of entries) {
        if (s.key) validateValue(s.key.shape, k, `${path}.key`, errors);
        if (s.value && v !== null && v !== undefined) validateValue(s.value.shape, v, `${path}.${k}`, errors);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') {
        violation(errors, s, value, path, 'must be a string');
        return;
      }
      checkSize(errors, s, value, path, stringLength(s, value));
      if (s.enum && !s.enum.includes(value)) {
        violation(errors, s, value, path, `must satisfy enum value set: [${s.enum.join(', ')}]`);
      }
      if (s.pattern && !compiled(s.pattern).test(value)) {
        violation(errors, s, value, path, `must satisfy regular expression pattern: ${s.pattern}`);
      }
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        violation(errors, s, value, path, 'must be an integer');
        return;
      }
      if (s.min !== undefined && value < s.min) {
        violation(errors, s, value, path, `must have value greater than or equal to ${s.min}`);
      }
      if (s.max !== undefined && value > s.max) {
        violation(errors, s, value, path, `must have value less than or equal to ${s.max}`);
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') violation(errors, s, value, path, 'must be a boolean');
      return;
    case 'timestamp':
      if (typeof value !== 'number')
        violation(errors, s, value, path, 'must be a timestamp in epoch seconds');
      return;
    default:
      return;
  }
}

function join2(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Throws a ValidationException listing every violation, in the service's message style. */
export function throwIfInvalid(errors: string[]): void {
  if (errors.length === 0) return;
  const n = errors.length;
  throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`);
}

/** Validates an operation's request body against its input shape. */
export function validateInput(op: OperationName, input: unknown): void {
  const errors: string[] = [];
  validateValue(inputShapeName(op), input, '', errors);
  throwIfInvalid(errors);
}

/**
 * Rewrites the keys of a Document value (e.g. an UpdateUser AttributeValue) to the member names of
 * `shapeName`, matching them ignoring case (`{"value": ...}` and `{"Value": ...}` both become `Value`).
 * Unknown keys are reported in `errors`. Scalars are returned as they are.
 */
export function canonicalize(shapeName: string, value: unknown, path: string, errors: string[]): unknown {
  const s = shape(shapeName);
  if (s.type === 'list' && Array.isArray(value) && s.member) {
    const member = s.member.shape;
    return value.map((v, i) => canonicalize(member, v, `${path}[${i}]`, errors));
  }
  if (s.type === 'structure' && !s.document && isObject(value)) {
    const byLower = new Map(Object.keys(s.members ?? {}).map((k) => [k.toLowerCase(), k]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const canonical = byLower.get(k.toLowerCase());
      if (!canonical) {
        errors.push(`Unknown attribute '${k}' at '${path}'`);
        continue;
      }
      const memberShape = s.members?.[canonical]?.shape;
      if (v === null || v === undefined) continue;
      out[canonical] = memberShape ? canonicalize(memberShape, v, `${path}.${canonical}`, errors) : v;
    }
    return out;
  }
  return value;
}
