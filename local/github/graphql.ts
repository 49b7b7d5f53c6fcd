/**
 * A small GraphQL interpreter for the fake GitHub: parses one query operation (variables,
 * aliases, arguments, nested selections, @include/@skip) and executes it against plain resolver
 * objects. No fragments, mutations or type checking beyond what the fake's resolvers do: it is
 * purpose-built for the queries the provider sends, and strict about anything else (an unknown
 * field is an error, as on GitHub).
 */

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
type ValueNode =
  | { kind: 'var'; name: string }
  | { kind: 'lit'; value: Value }
  | { kind: 'list'; items: ValueNode[] }
  | { kind: 'obj'; fields: Record<string, ValueNode> };

export interface FieldNode {
  alias?: string;
  name: string;
  args: Record<string, ValueNode>;
  directives: { name: string; args: Record<string, ValueNode> }[];
  selections?: FieldNode[];
}

export interface Operation {
  name?: string;
  variables: { name: string; defaultValue?: ValueNode }[];
  selections: FieldNode[];
}

export class GraphqlError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly path?: (string | number)[],
  ) {
    super(message);
  }
}

const PUNCT = new Set(['!', '$', '(', ')', ':', '=', '@', '[', ']', '{', '}', '|']);

function tokenize(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/[\s,]/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (PUNCT.has(c)) {
      out.push(c);
      i++;
    } else if (src.startsWith('...', i)) {
      throw new GraphqlError('fragments are not supported by the fake GitHub', 'PARSE_ERROR');
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        s += src[j] ?? '';
        j++;
      }
      out.push(JSON.stringify(s));
      i = j + 1;
    } else {
      const m = /^-?[_A-Za-z0-9.]+/.exec(src.slice(i));
      if (!m) throw new GraphqlError(`unexpected character ${JSON.stringify(c)}`, 'PARSE_ERROR');
      out.push(m[0]);
      i += m[0].length;
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly t: string[]) {}
  private peek(): string | undefined {
    return this.t[this.i];
  }
  private next(): string {
    const v = this.t[this.i++];
    if (v === undefined) throw new GraphqlError('unexpected end of query', 'PARSE_ERROR');
    return v;
  }
  private expect(s: string): void {
    const v = this.next();
    if (v !== s) throw new GraphqlError(`expected ${s} but found ${v}`, 'PARSE_ERROR');
  }
  private name(): string {
    const v = this.next();
    if (!/^[_A-Za-z][_A-Za-z0-9]*$/.test(v))
      throw new GraphqlError(`expected a name, found ${v}`, 'PARSE_ERROR');
    return v;
  }

  operation(): Operation {
    const op: Operation = { variables: [], selections: [] };
    if (this.peek() === 'query') {
      this.next();
      if (this.peek() !== '(' && this.peek() !== '{') op.name = this.name();
      if (this.peek() === '(') {
        this.next();
        while (this.peek() !== ')') {
          this.expect('$');
          const name = this.name();
          this.expect(':');
          this.type();
          let defaultValue: ValueNode | undefined;
          if (this.peek() === '=') {
            this.next();
            defaultValue = this.value();
          }
          op.variables.push({ name, defaultValue });
        }
        this.next();
      }
    } else if (this.peek() !== '{') {
      throw new GraphqlError(`only query operations are supported, found ${this.peek()}`, 'PARSE_ERROR');
    }
    op.selections = this.selectionSet();
    if (this.peek() !== undefined) throw new GraphqlError('only one operation per document', 'PARSE_ERROR');
    return op;
  }

  private type(): void {
    if (this.peek() === '[') {
      this.next();
      this.type();
      this.expect(']');
    } else {
      this.name();
    }
    if (this.peek() === '!') this.next();
  }

  private selectionSet(): FieldNode[] {
    this.expect('{');
    const fields: FieldNode[] = [];
    while (this.peek() !== '}') fields.push(this.field());
    this.next();
    return fields;
  }

  private field(): FieldNode {
    let name = this.name();
    let alias: string | undefined;
    if (this.peek() === ':') {
      this.next();
      alias = name;
      name = this.name();
    }
    const f: FieldNode = { alias, name, args: this.args(), directives: [] };
    while (this.peek() === '@') {
      this.next();
      f.directives.push({ name: this.name(), args: this.args() });
    }
    if (this.peek() === '{') f.selections = this.selectionSet();
    return f;
  }

  private args(): Record<string, ValueNode> {
    const args: Record<string, ValueNode> = {};
    if (this.peek() !== '(') return args;
    this.next();
    while (this.peek() !== ')') {
      const n = this.name();
      this.expect(':');
      args[n] = this.value();
    }
    this.next();
    return args;
  }

  private value(): ValueNode {
    const v = this.next();
    if (v === '$') return { kind: 'var', name: this.name() };
    if (v === '[') {
      const items: ValueNode[] = [];
      while (this.peek() !== ']') items.push(this.value());
      this.next();
      return { kind: 'list', items };
    }
    if (v === '{') {
      const fields: Record<string, ValueNode> = {};
      while (this.peek() !== '}') {
        const n = this.name();
        this.expect(':');
        fields[n] = this.value();
      }
      this.next();
      return { kind: 'obj', fields };
    }
    if (v.startsWith('"')) return { kind: 'lit', value: JSON.parse(v) as string };
    if (v === 'true' || v === 'false') return { kind: 'lit', value: v === 'true' };
    if (v === 'null') return { kind: 'lit', value: null };
    if (/^-?\d/.test(v)) return { kind: 'lit', value: Number(v) };
    return { kind: 'lit', value: v }; // an enum value
  }
}

export function parseQuery(query: string): Operation {
  return new Parser(tokenize(query)).operation();
}

function evalValue(node: ValueNode, vars: Record<string, unknown>): unknown {
  switch (node.kind) {
    case 'var':
      return vars[node.name] ?? null;
    case 'lit':
      return node.value;
    case 'list':
      return node.items.map((n) => evalValue(n, vars));
    case 'obj':
      return Object.fromEntries(Object.entries(node.fields).map(([k, v]) => [k, evalValue(v, vars)]));
  }
}

/**
 * A resolved object: each field is a value, or a function of the field's arguments. The special
 * `__typename` is answered from `__typename` when present.
 */
export type Resolved = { [field: string]: unknown };
export type FieldResolver = (args: Record<string, unknown>) => unknown;

function included(f: FieldNode, vars: Record<string, unknown>): boolean {
  for (const d of f.directives) {
    const cond = d.args.if ? Boolean(evalValue(d.args.if, vars)) : true;
    if (d.name === 'include' && !cond) return false;
    if (d.name === 'skip' && cond) return false;
  }
  return true;
}

function execSelections(
  obj: Resolved,
  selections: FieldNode[],
  vars: Record<string, unknown>,
  path: (string | number)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of selections) {
    if (!included(f, vars)) continue;
    const key = f.alias ?? f.name;
    const fieldPath = [...path, key];
    if (!(f.name in obj)) {
      const type = typeof obj.__typename === 'string' ? obj.__typename : 'Object';
      throw new GraphqlError(
        `Field '${f.name}' doesn't exist on type '${type}'`,
        'undefinedField',
        fieldPath,
      );
    }
    const raw = obj[f.name];
    const args = Object.fromEntries(Object.entries(f.args).map(([k, v]) => [k, evalValue(v, vars)]));
    const value = typeof raw === 'function' ? (raw as FieldResolver)(args) : raw;
    out[key] = complete(value, f, vars, fieldPath);
  }
  return out;
}

function complete(
  value: unknown,
  f: FieldNode,
  vars: Record<string, unknown>,
  path: (string | number)[],
): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v, i) => complete(v, f, vars, [...path, i]));
  if (typeof value === 'object') {
    if (!f.selections) {
      throw new GraphqlError(
        `Field '${f.name}' of an object type must have a selection of subfields`,
        'PARSE_ERROR',
        path,
      );
    }
    return execSelections(value as Resolved, f.selections, vars, path);
  }
  if (f.selections)
    throw new GraphqlError(`Selections can't be made on scalars (field '${f.name}')`, 'PARSE_ERROR', path);
  return value;
}

/** Runs an operation against the root object; variables missing from the request use their defaults. */
export function execute(
  op: Operation,
  root: Resolved,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const v of op.variables) {
    vars[v.name] =
      v.name in variables ? variables[v.name] : v.defaultValue ? evalValue(v.defaultValue, {}) : null;
  }
  return execSelections(root, op.selections, vars, []);
}
