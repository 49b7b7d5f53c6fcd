/**
 * The stored records, an ordered index that pages by creation sequence number, and id generation.
 */
import { randomUUID } from 'node:crypto';

/** Attributes keyed by the model's member names (UserName, DisplayName, Name, Emails, ...). */
export type Attributes = Record<string, unknown>;

interface Sequenced {
  /** Creation sequence number, unique and increasing across all records of one store. */
  seq: number;
  alive: boolean;
}

export interface UserRecord extends Sequenced {
  id: string;
  attrs: Attributes;
  createdAt: number;
  updatedAt: number;
}

export interface GroupRecord extends Sequenced {
  id: string;
  attrs: Attributes;
  createdAt: number;
  updatedAt: number;
}

export interface MembershipRecord extends Sequenced {
  id: string;
  groupId: string;
  userId: string;
  createdAt: number;
}

/**
 * Records in creation order. Removal marks a record dead (the caller clears `alive`) and the array is
 * compacted once dead entries dominate, so paging is a binary search plus a short scan.
 */
export class SeqIndex<T extends Sequenced> {
  private items: T[] = [];
  private dead = 0;

  get size(): number {
    return this.items.length - this.dead;
  }

  add(item: T): void {
    const last = this.items[this.items.length - 1];
    if (last && last.seq >= item.seq) throw new Error('SeqIndex: records must be added in sequence order');
    this.items.push(item);
  }

  /** Call once per record after setting `alive = false`. */
  removed(): void {
    this.dead++;
    if (this.dead > 32 && this.dead * 2 > this.items.length) {
      this.items = this.items.filter((x) => x.alive);
      this.dead = 0;
    }
  }

  /** Up to `limit` live records with seq > `afterSeq`, and whether more follow. */
  page(afterSeq: number, limit: number): { items: T[]; more: boolean } {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid]?.seq ?? 0) <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const out: T[] = [];
    for (let i = lo; i < this.items.length; i++) {
      const x = this.items[i];
      if (!x?.alive) continue;
      if (out.length === limit) return { items: out, more: true };
      out.push(x);
    }
    return { items: out, more: false };
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const x of this.items) if (x.alive) yield x;
  }
}

/** A small seedable PRNG (mulberry32): deterministic fault injection and ids. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomHex(digits: number, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

export function newIdentityStoreId(random?: () => number): string {
  return `d-${randomHex(10, random)}`;
}

/** A uuid v4, from `random` when given (deterministic), else from crypto. */
export function uuidV4(random?: () => number): string {
  if (!random) return randomUUID();
  const h = randomHex(32, random).split('');
  h[12] = '4';
  h[16] = '89ab'[Math.floor(random() * 4)] ?? '8';
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The 10 hex digits that prefix resource ids: the store id's digits. */
export function resourceIdPrefix(identityStoreId: string): string {
  const hex = identityStoreId.replace(/^d-/, '').replace(/[^0-9a-f]/g, '');
  return hex.padEnd(10, '0').slice(0, 10);
}

/** Deep copy of plain JSON data (much faster than structuredClone for small records). */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = cloneJson((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}
