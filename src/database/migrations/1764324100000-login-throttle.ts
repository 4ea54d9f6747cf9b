import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in attempts per account and per address within a window (see LoginThrottle). In the
 * database, so that every instance serving it counts the same attempts.
 */
export class LoginThrottle1764324100000 implements MigrationInterface {
  name = 'LoginThrottle1764324100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE login_throttle (
      subject varchar(80) PRIMARY KEY,
      attempts integer NOT NULL,
      window_ends_at varchar(30) NOT NULL,
      locked_at varchar(30)
    )`);
    await runner.query(`CREATE INDEX idx_login_throttle_window ON login_throttle (window_ends_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE login_throttle`);
  }
}
