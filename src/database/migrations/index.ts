import { InitialSchema1764320000000 } from './1764320000000-initial-schema.js';
import { Activities1764320100000 } from './1764320100000-activities.js';
import { Users1764320200000 } from './1764320200000-users.js';
import { Idempotency1764320300000 } from './1764320300000-idempotency.js';
import { ActivityOriginAndCalendarTokens1764320400000 } from './1764320400000-activity-origin-and-calendar-tokens.js';
import { PartnershipCountsAndTitleSearch1764320500000 } from './1764320500000-partnership-counts-and-title-search.js';
import { PartnershipCountShards1764320600000 } from './1764320600000-partnership-count-shards.js';
import { IdempotencyApplied1764320700000 } from './1764320700000-idempotency-applied.js';
import { AuditChainHead1764320800000 } from './1764320800000-audit-chain-head.js';
import { AuditChainAppend1764320900000 } from './1764320900000-audit-chain-append.js';
import { PartnershipExpiresOn1764321000000 } from './1764321000000-partnership-expires-on.js';
import { AuditCheckpoints1764322000000 } from './1764322000000-audit-checkpoints.js';
import { UserSessions1764324000000 } from './1764324000000-user-sessions.js';
import { LoginThrottle1764324100000 } from './1764324100000-login-throttle.js';
import { PartnershipJudgedEdits1764325000000 } from './1764325000000-partnership-judged-edits.js';
import { OccurrenceOccursOn1764325100000 } from './1764325100000-occurrence-occurs-on.js';
import { Notifications1764327000000 } from './1764327000000-notifications.js';
import { MailOutbox1764327100000 } from './1764327100000-mail-outbox.js';
import { Delegations1764328000000 } from './1764328000000-delegations.js';
import { Documents1764328100000 } from './1764328100000-documents.js';
import { DocumentText1764328200000 } from './1764328200000-document-text.js';
import { People1764329000000 } from './1764329000000-people.js';
import { PartnerLinks1764329600000 } from './1764329600000-partner-links.js';
import { Engagements1764329700000 } from './1764329700000-engagements.js';
import { FollowUps1764329800000 } from './1764329800000-follow-ups.js';
import { PartnershipOrigin1764329900000 } from './1764329900000-partnership-origin.js';
import { DocumentEngagement1764330100000 } from './1764330100000-document-engagement.js';
import { PartnershipOwner1764330500000 } from './1764330500000-partnership-owner.js';
import { FollowUpCounts1764330600000 } from './1764330600000-follow-up-counts.js';
import { BlobChunks1764330700000 } from './1764330700000-blob-chunks.js';

/** Every migration, oldest first. Listed as classes, not globs, so ESM builds and Jest load the same set. */
export const migrations = [
  InitialSchema1764320000000,
  Activities1764320100000,
  Users1764320200000,
  Idempotency1764320300000,
  ActivityOriginAndCalendarTokens1764320400000,
  PartnershipCountsAndTitleSearch1764320500000,
  PartnershipCountShards1764320600000,
  IdempotencyApplied1764320700000,
  AuditChainHead1764320800000,
  AuditChainAppend1764320900000,
  PartnershipExpiresOn1764321000000,
  AuditCheckpoints1764322000000,
  UserSessions1764324000000,
  LoginThrottle1764324100000,
  PartnershipJudgedEdits1764325000000,
  OccurrenceOccursOn1764325100000,
  Notifications1764327000000,
  MailOutbox1764327100000,
  Delegations1764328000000,
  Documents1764328100000,
  DocumentText1764328200000,
  People1764329000000,
  PartnerLinks1764329600000,
  Engagements1764329700000,
  FollowUps1764329800000,
  PartnershipOrigin1764329900000,
  DocumentEngagement1764330100000,
  PartnershipOwner1764330500000,
  FollowUpCounts1764330600000,
  BlobChunks1764330700000,
];
