import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull, LessThanOrEqual, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, insertAudited } from '../audit/audited-edit.js';
import type { ActorName } from '../audit/audit.view.js';
import { CalendarToken } from '../calendar/calendar-token.entity.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { AppConfig } from '../config/app.config.js';
import { isUniqueViolation, WriteQueue } from '../database/write-queue.js';
import { SYSTEM_ACTOR, type Actor } from '../workflow-engine/workflow.types.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { ListUsersQueryDto } from './dto/list-users-query.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import type { ChangePasswordDto } from './dto/account.dto.js';
import { toUserDto, type UserDto } from './dto/user.dto.js';
import { hashPassword, verifyPassword } from './password-hasher.js';
import { generatePassword, passwordProblem } from './password-policy.js';
import { ROLES, type EmailMode, type Role } from './roles.js';
import { displayNamesOf } from './display-names.js';
import { plainQuery } from '../database/plain-query.js';
import { UserSession } from './user-session.entity.js';
import { User } from './user.entity.js';

export const INITIAL_ADMIN_USERNAME = 'admin';

/** Who a request or a sign-in belongs to. */
export interface AuthenticatedUser {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
}

/** What sign-in and token checks need to know about a user. */
export interface SessionUser extends AuthenticatedUser {
  active: boolean;
}

/** What an admin may change of a user (UpdateUserDto), and what only its owner may: how they want their mail. */
export type UserChanges = UpdateUserDto & { emailMode?: EmailMode };

/**
 * A sign-in's credentials, checked: the user, or why not, for the audit row of a failed sign-in
 * (a password's client is told the same for every reason; single sign-on's, whose address the
 * provider has vouched for, is told which).
 */
export type CredentialCheck =
  { user: SessionUser } | { user: null; userId: string | null; reason: 'unknownUser' | 'wrongPassword' | 'disabled' | 'unknownEmail' | 'sharedEmail' };

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');
  /** A hash of a random password: unknown usernames cost a real check, so timing does not tell them apart. */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
    private readonly config: ConfigService,
  ) {
    this.hashCost = config.getOrThrow<AppConfig>('app').passwordHashCost;
  }

  /** log2 of scrypt's N for new password hashes. */
  private readonly hashCost: number;

  onApplicationBootstrap(): Promise<void> {
    return this.ensureInitialAdmin();
  }

  /**
   * With no users at all, creates `admin` with ADMIN_PASSWORD or a generated password, which is
   * logged this once and never stored in clear. Does nothing when any user exists.
   */
  async ensureInitialAdmin(): Promise<void> {
    if ((await this.dataSource.getRepository(User).count()) > 0) return;
    const configured = this.config.getOrThrow<AppConfig>('app').adminPassword;
    const problem = configured === undefined ? null : passwordProblem(configured, INITIAL_ADMIN_USERNAME);
    if (problem) throw new Error(`ADMIN_PASSWORD is refused: ${problem.message}`);
    const password = configured ?? generatePassword(INITIAL_ADMIN_USERNAME);
    const passwordHash = await hashPassword(password, this.hashCost);
    let created: boolean;
    try {
      created = await this.queue.run(async (manager) => {
        if ((await manager.count(User)) > 0) return false;
        await this.insert(manager, { username: INITIAL_ADMIN_USERNAME, displayName: 'Administrator', roles: ['admin'] }, passwordHash, SYSTEM_ACTOR);
        return true;
      });
    } catch (error) {
      // Another instance on the same database created it first.
      if (isUniqueViolation(error)) return;
      throw error;
    }
    if (!created) return;
    if (configured !== undefined) {
      this.logger.log(`Created the first user "${INITIAL_ADMIN_USERNAME}" with the password from ADMIN_PASSWORD.`);
    } else {
      this.logger.log(
        `Created the first user "${INITIAL_ADMIN_USERNAME}" with the generated password ${password} — it is shown only this once; sign in and change it.`,
      );
    }
  }

  async create(input: CreateUserDto, actor: Actor, requestId?: string): Promise<UserDto> {
    refuseWeakPassword(input.password, input.username);
    // Hashing is slow on purpose: do it before taking the write lock.
    const passwordHash = await hashPassword(input.password, this.hashCost);
    try {
      return await this.queue.run(async (manager) => {
        if (await manager.exists(User, { where: { username: input.username } })) throw usernameTaken(input.username);
        return toUserDto(await this.insert(manager, input, passwordHash, actor, requestId));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw usernameTaken(input.username);
      throw error;
    }
  }

  async update(id: string, input: UserChanges, actor: Actor, requestId?: string): Promise<UserDto> {
    // A username never changes, so the password can be checked against it before the write lock.
    if (input.password !== undefined) refuseWeakPassword(input.password, (await this.findRow(id, this.dataSource.manager)).username);
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password, this.hashCost);
    return this.queue.run(async (manager) => {
      const row = await this.findRow(id, manager);
      const edit = beginAuditedEdit(manager, this.audit, { entity: User, entityType: 'user', row, actor, requestId });
      if (row.id === actor.id) refuseChangesToSelf(row, input);
      const at = this.clock.now().toISOString();
      const changes: Partial<User> = {};
      const recorded: Record<string, unknown> = {};
      if (input.roles !== undefined) {
        const roles = normalizeRoles(input.roles);
        if (roles.join() !== row.roles.join()) {
          changes.roles = roles;
          recorded.roles = { from: row.roles, to: roles };
        }
      }
      if (input.active !== undefined && input.active !== row.active) {
        changes.active = input.active;
        recorded.active = { from: row.active, to: input.active };
      }
      if (input.displayName !== undefined && input.displayName !== row.displayName) {
        changes.displayName = input.displayName;
        recorded.displayName = { from: row.displayName, to: input.displayName };
      }
      for (const field of ['email', 'emailMode'] as const) {
        const value = input[field];
        if (value !== undefined && value !== row[field]) {
          Object.assign(changes, { [field]: value });
          recorded[field] = { from: row[field], to: value };
        }
      }
      if (passwordHash !== undefined) {
        changes.passwordHash = passwordHash;
        recorded.password = 'changed';
      }
      if (Object.keys(changes).length === 0) return toUserDto(row);
      // What the user may do is no longer what they signed in with: their sessions and calendar feed tokens end (SPEC).
      const endsSessions = changes.active === false || changes.roles !== undefined || passwordHash !== undefined;
      if (endsSessions) await endSessions(manager, id, at);
      const payload = { username: row.username, changes: recorded, ...(endsSessions ? { sessionsEnded: true } : {}) };
      return toUserDto(await edit.save(changes, { occurredAt: at, action: 'UPDATE', payload }));
    });
  }

  /** One's own new password, given the current one; every earlier session and calendar feed token of the caller ends, this request's too. */
  async changeOwnPassword(actor: Actor, input: ChangePasswordDto, requestId?: string): Promise<void> {
    const row = await this.findRow(actor.id, this.dataSource.manager);
    if (!(await verifyPassword(input.currentPassword, row.passwordHash))) {
      throw new DomainError('GUARD_FAILED', 'the current password is not the one given', { rule: 'currentPassword', field: 'currentPassword' });
    }
    await this.setPassword(row, input.newPassword, actor, 'PASSWORD_CHANGED', requestId);
  }

  /** An admin sets someone else's password (their own takes the current one: changeOwnPassword); that user's sessions end. */
  async resetPassword(id: string, newPassword: string, actor: Actor, requestId?: string): Promise<void> {
    const row = await this.findRow(id, this.dataSource.manager);
    if (row.id === actor.id) {
      throw new DomainError('GUARD_FAILED', 'change your own password with your current one, through POST /api/me/password', {
        rule: 'ownPasswordNeedsCurrent',
      });
    }
    await this.setPassword(row, newPassword, actor, 'PASSWORD_RESET', requestId);
  }

  private async setPassword(row: User, password: string, actor: Actor, action: 'PASSWORD_CHANGED' | 'PASSWORD_RESET', requestId?: string): Promise<void> {
    refuseWeakPassword(password, row.username, 'newPassword');
    // Hashing is slow on purpose: do it before taking the write lock.
    const passwordHash = await hashPassword(password, this.hashCost);
    await this.queue.run(async (manager) => {
      const current = await this.findRow(row.id, manager);
      const edit = beginAuditedEdit(manager, this.audit, { entity: User, entityType: 'user', row: current, actor, requestId });
      const at = this.clock.now().toISOString();
      await endSessions(manager, row.id, at);
      await edit.save({ passwordHash }, { occurredAt: at, action, payload: { username: current.username, sessionsEnded: true } });
    });
  }

  async get(id: string): Promise<UserDto> {
    return toUserDto(await this.findRow(id, this.dataSource.manager));
  }

  async list(query: ListUsersQueryDto): Promise<{ items: UserDto[]; total: number }> {
    const [rows, total] = await this.dataSource.getRepository(User).findAndCount({
      order: { username: 'ASC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    return { items: rows.map(toUserDto), total };
  }

  /** The active user with these credentials, or why not; an unknown name costs a password check too. */
  async verifyCredentials(username: string, password: string): Promise<CredentialCheck> {
    const row = await this.dataSource.getRepository(User).findOne({ where: { username: username.trim().toLowerCase() } });
    if (!row) {
      this.decoyHash ??= hashPassword(randomBytes(32).toString('base64url'), this.hashCost);
      await verifyPassword(password, await this.decoyHash);
      return { user: null, userId: null, reason: 'unknownUser' };
    }
    if (!(await verifyPassword(password, row.passwordHash))) return { user: null, userId: row.id, reason: 'wrongPassword' };
    if (!row.active) return { user: null, userId: row.id, reason: 'disabled' };
    return { user: toSessionUser(row) };
  }

  /**
   * The active user whose address an identity provider has vouched for (single sign-on), or why
   * not. An address matches whatever its case; it must name one account, so an address two users
   * share signs in neither. Nobody is created here: accounts are the admins' to make.
   */
  async verifyEmail(email: string): Promise<CredentialCheck> {
    const rows = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .where('LOWER(u.email) = :email', { email: email.trim().toLowerCase() })
      .limit(2)
      .getMany();
    if (rows.length === 0) return { user: null, userId: null, reason: 'unknownEmail' };
    if (rows.length > 1) return { user: null, userId: null, reason: 'sharedEmail' };
    if (!rows[0].active) return { user: null, userId: rows[0].id, reason: 'disabled' };
    return { user: toSessionUser(rows[0]) };
  }

  /**
   * Starts a session for a user who has just signed in, in the caller's transaction; the token
   * names it. The user's sessions past their expiry go now, so the table holds about one row per
   * token that could still be used.
   */
  async openSession(manager: EntityManager, userId: string, times: { createdAt: Date; expiresAt: Date }): Promise<string> {
    await manager.delete(UserSession, { userId, expiresAt: LessThanOrEqual(times.createdAt.toISOString()) });
    const id = randomUUID();
    await manager.insert(UserSession, { id, userId, createdAt: times.createdAt.toISOString(), expiresAt: times.expiresAt.toISOString() });
    return id;
  }

  /** Ends one session (signing out); one that has already ended stays ended. */
  async endSession(userId: string, sessionId: string): Promise<void> {
    await this.queue.run((manager) => manager.delete(UserSession, { id: sessionId, userId }));
  }

  /**
   * The user a token names, as stored now, if the session it names has not ended, so signing out,
   * a change of roles or a disabled account applies at once, on every instance.
   */
  async findForSession(userId: string, sessionId: string): Promise<SessionUser | null> {
    // Every authenticated request runs this: one plain statement (two primary-key lookups) instead of an entity query.
    const rows = await plainQuery<{ id: string; username: string; display_name: string; roles: string; active: boolean | number }>(
      this.dataSource,
      'SELECT u.id, u.username, u.display_name, u.roles, u.active FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.user_id = ?',
      [sessionId, userId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      roles: JSON.parse(row.roles) as Role[],
      active: row.active === true || row.active === 1,
    };
  }

  /** Whether the user exists and is not disabled. */
  async isActive(id: string): Promise<boolean> {
    return this.dataSource.getRepository(User).exists({ where: { id, active: true } });
  }

  /** Usernames and display names by user id, for showing who did what; ids of no user are left out. */
  displayNames(ids: readonly string[]): Promise<Map<string, ActorName>> {
    return displayNamesOf(this.dataSource, ids);
  }

  private async findRow(id: string, manager: EntityManager): Promise<User> {
    const row = await manager.findOne(User, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `user ${id} not found`);
    return row;
  }

  private async insert(
    manager: EntityManager,
    input: { username: string; displayName?: string; roles: Role[]; email?: string | null },
    passwordHash: string,
    actor: Actor,
    requestId?: string,
  ): Promise<User> {
    const at = this.clock.now().toISOString();
    const row: User = {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      roles: normalizeRoles(input.roles),
      active: true,
      email: input.email ?? null,
      emailMode: 'immediate',
      passwordHash,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    const payload = { username: row.username, displayName: row.displayName, roles: row.roles, active: row.active, ...(row.email ? { email: row.email } : {}) };
    return insertAudited(manager, this.audit, { entity: User, entityType: 'user', row, actor, requestId }, payload);
  }
}

/**
 * An admin cannot disable themselves, so someone can always manage users, and cannot change their
 * own roles (SPEC, separation of duties): another admin must, or an admin could make themselves an
 * approver and decide alone.
 */
function refuseChangesToSelf(self: User, input: UpdateUserDto): void {
  if (input.active === false) {
    throw new DomainError('GUARD_FAILED', 'you cannot disable your own account', { rule: 'adminCannotDisableSelf' });
  }
  if (input.roles !== undefined && normalizeRoles(input.roles).join() !== self.roles.join()) {
    throw new DomainError('SEPARATION_OF_DUTIES', 'another admin must change your roles', { rule: 'adminCannotChangeOwnRoles' });
  }
}

/** 400 naming the rule the password breaks, in the shape of the API's other validation errors. */
function refuseWeakPassword(password: string, username: string, field = 'password'): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new DomainError('VALIDATION_FAILED', problem.message, { field, rule: problem.rule, errors: [problem.message] });
}

/** Every session (token, web page) and calendar feed token of the user ends, on every instance. */
async function endSessions(manager: EntityManager, userId: string, at: string): Promise<void> {
  await manager.delete(UserSession, { userId });
  await manager.update(CalendarToken, { userId, revokedAt: IsNull() }, { revokedAt: at });
}

function normalizeRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((role) => roles.includes(role));
}

function toSessionUser(row: User): SessionUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    roles: row.roles,
    active: row.active,
  };
}

function usernameTaken(username: string): DomainError {
  return new DomainError('CONFLICT', `the username "${username}" is taken`, { field: 'username' });
}
