/**
 * What an app-only token may read in the fake Graph, from its `roles` claim (the application
 * permissions with admin consent), answered as Microsoft Graph answers: a token without roles is
 * refused with 401, a route without a permission that covers it with 403 Authorization_RequestDenied.
 * Which permissions cover which reads follows the Microsoft Graph permissions reference (least
 * privileged GroupMember.Read.All for groups and their members, User.Read.All for users; the
 * broader Group.*, Directory.* permissions cover them too).
 */
import type { GraphRoute } from './server';

export const GROUP_ROLES = new Set([
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
]);
export const USER_ROLES = new Set([
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
]);

export const canReadUsers = (roles: readonly string[]) => roles.some((r) => USER_ROLES.has(r));

/** The error Graph answers a request on `route` with, or undefined when the roles allow it. */
export function refusal(
  roles: readonly string[],
  route: GraphRoute | undefined,
): { status: number; code: string; message: string } | undefined {
  if (roles.length === 0)
    return {
      status: 401,
      code: 'InvalidAuthenticationToken',
      message: 'Either scp or roles claim need to be present in the token.',
    };
  if (!route) return undefined;
  const allowed =
    route === 'users' || route === 'user' ? canReadUsers(roles) : roles.some((r) => GROUP_ROLES.has(r));
  return allowed
    ? undefined
    : {
        status: 403,
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      };
}
