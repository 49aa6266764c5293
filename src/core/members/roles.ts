/**
 * The roles of a space's members and what each may do (MEMBERSHIP.md M2).
 * Kept as data, so the membership log, the envelope gate and the UI read
 * one table and never disagree about who may do what.
 */
export const Role = { owner: 'owner', admin: 'admin', editor: 'editor', viewer: 'viewer', replica: 'replica' } as const
export type Role = (typeof Role)[keyof typeof Role]

/** Wire codes: part of the statement format. */
export const ROLE_CODES: readonly Role[] = [Role.owner, Role.admin, Role.editor, Role.viewer, Role.replica]

export function roleFromCode(code: number): Role | undefined {
  return ROLE_CODES[code]
}

export function roleCode(role: Role): number {
  return ROLE_CODES.indexOf(role)
}

/** Lower is stronger: concurrent statements are ordered by their authors' rank (M3). */
export function roleRank(role: Role | undefined): number {
  return role === undefined ? ROLE_CODES.length : ROLE_CODES.indexOf(role)
}

/** May change the space's members, invites and epochs. */
export function managesMembers(role: Role | undefined): boolean {
  return role === Role.owner || role === Role.admin
}

/** Roles an owner or admin may hand out, by invite or by a role change: nobody but the genesis is owner, and only the owner makes admins. */
export function mayGrant(granter: Role | undefined, role: Role): boolean {
  if (role === Role.owner) return false
  if (granter === Role.owner) return true
  return granter === Role.admin && role !== Role.admin
}

/**
 * May remove or change the role of a member who holds `target`: nobody acts
 * on the owner. An admin may act on another admin, so a compromised admin's
 * device can be removed while the owner is away; two admins removing each
 * other at once is settled by seniority (MEMBERSHIP.md M3).
 */
export function mayActOn(actor: Role | undefined, target: Role): boolean {
  if (target === Role.owner) return false
  return actor === Role.owner || actor === Role.admin
}

/** May write the space's content (items, notes, schedule, runs): editors and up. */
export function writesContent(role: Role | undefined): boolean {
  return role === Role.owner || role === Role.admin || role === Role.editor
}

/** Words a person reads for a role. */
export const ROLE_WORDS: Readonly<Record<Role, string>> = {
  owner: 'Owner',
  admin: 'Admin',
  editor: 'Can edit',
  viewer: 'Can view',
  replica: 'Replica',
}
