import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per signed-in token, named by the token's `sid`: signing out deletes it, and so does
 * disabling the user or changing their password or roles, on every instance at once. It replaces
 * the security stamp, which could only end all of a user's tokens, and only on a new password.
 */
export class UserSessions1764324000000 implements MigrationInterface {
  name = 'UserSessions1764324000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE user_sessions (
      id varchar(36) PRIMARY KEY,
      user_id varchar(36) NOT NULL,
      created_at varchar(30) NOT NULL,
      expires_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_user_sessions_user ON user_sessions (user_id, expires_at)`);
    await runner.query(`ALTER TABLE users DROP COLUMN security_stamp`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE users ADD COLUMN security_stamp varchar(36) NOT NULL DEFAULT ''`);
    await runner.query(`DROP TABLE user_sessions`);
  }
}
