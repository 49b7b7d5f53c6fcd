/**
 * From Microsoft Graph objects to the SourceSnapshot's users: pure functions, no I/O.
 *
 *   UserName    = userPrincipalName
 *   Name        = givenName / surname, falling back to the displayName's words, then the UPN's local part
 *   DisplayName = displayName (or "given family")
 *   Email       = { value: UPN, type: 'EntraId', primary: true }  (the replaced job's ownership marker)
 */
import { z } from 'zod';
import type { SourceUser } from '../../core/model';
import { ENTRA_EMAIL_TYPE } from '../../core/ownership';

/** The user properties requested with $select on member and owner listings (no separate user reads). */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'givenName',
  'surname',
  'displayName',
  'accountEnabled',
];
export const GROUP_SELECT = ['id', 'displayName'];

export const GRAPH_USER_TYPE = '#microsoft.graph.user';

const optionalText = z.string().nullable().optional();

/** A directory object from members / transitiveMembers / owners (users, groups, service principals...). */
export const GraphDirectoryObjectSchema = z.looseObject({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
});

export const GraphUserSchema = z.looseObject({
  id: z.string().min(1),
  userPrincipalName: z.string().min(1),
  givenName: optionalText,
  surname: optionalText,
  displayName: optionalText,
  /** Graph sends it only when selected; null is treated as enabled. */
  accountEnabled: z.boolean().nullable(),
});
export type GraphUser = z.infer<typeof GraphUserSchema>;

export const GraphGroupSchema = z.looseObject({
  id: z.string().min(1),
  displayName: z.string().min(1),
});
export type GraphGroup = z.infer<typeof GraphGroupSchema>;

/** Identity Store strings: printable characters only, at most 1024. */
function clean(s: string | null | undefined): string {
  return (s ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1024);
}

/** The UPN's local part, without the "#EXT#" tail of guest accounts. */
function localPart(upn: string): string {
  const at = upn.lastIndexOf('@');
  const local = at > 0 ? upn.slice(0, at) : upn;
  return clean(local.replace(/#EXT#$/i, '')) || clean(upn);
}

/** Given and family name, both non-empty (the Identity Store requires both). */
export function personName(
  u: Pick<GraphUser, 'userPrincipalName' | 'givenName' | 'surname' | 'displayName'>,
): {
  givenName: string;
  familyName: string;
} {
  const given = clean(u.givenName);
  const family = clean(u.surname);
  if (given && family) return { givenName: given, familyName: family };
  const words = clean(u.displayName).split(' ').filter(Boolean);
  const fallback = localPart(u.userPrincipalName);
  if (given) {
    return { givenName: given, familyName: words.length > 1 ? (words.at(-1) as string) : fallback };
  }
  if (family) {
    return { givenName: words.length > 1 ? (words[0] as string) : fallback, familyName: family };
  }
  if (words.length > 1) return { givenName: words[0] as string, familyName: words.slice(1).join(' ') };
  return { givenName: words[0] ?? fallback, familyName: fallback };
}

export function toSourceUser(u: GraphUser): SourceUser {
  const name = personName(u);
  return {
    id: u.id,
    userName: u.userPrincipalName,
    displayName: clean(u.displayName) || `${name.givenName} ${name.familyName}`,
    name,
    email: { value: u.userPrincipalName, type: ENTRA_EMAIL_TYPE, primary: true },
  };
}
