import type { ApiApp, UserName } from './api.js';

/** A notice as GET /api/notifications answers it (the fields the tests read). */
export interface Notice {
  id: string;
  kind: string;
  subject: string;
  body: string;
  link: string;
  entityType: string;
  entityId: string;
  createdAt: string;
  readAt: string | null;
}

export interface Inbox {
  items: Notice[];
  total: number;
  unread: number;
}

/** The user's notices, newest first (`query` as the API takes it). */
export async function inboxOf(api: ApiApp, user: UserName, query = ''): Promise<Inbox> {
  return (await api.as(user).get(`/api/notifications${query}`).expect(200)).body as Inbox;
}
