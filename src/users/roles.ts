/** The roles a user can hold, in any combination. An admin is not an approver unless also given that role. */
export const ROLES = ['admin', 'manager', 'approver', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

/** How a user's notices reach their mailbox: each as it comes, one digest a day, or not at all. */
export const EMAIL_MODES = ['immediate', 'daily', 'off'] as const;

export type EmailMode = (typeof EMAIL_MODES)[number];
