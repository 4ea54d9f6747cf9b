/** The roles a user can hold, in any combination. An admin is not an approver unless also given that role. */
export const ROLES = ['admin', 'manager', 'approver', 'auditor'] as const;

export type Role = (typeof ROLES)[number];
