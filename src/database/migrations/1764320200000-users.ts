import type { MigrationInterface, QueryRunner } from 'typeorm';

/** People who sign in: lower-case unique usernames, roles, scrypt password hashes. */
export class Users1764320200000 implements MigrationInterface {
  name = 'Users1764320200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE users (
      id varchar(36) PRIMARY KEY,
      username varchar(40) NOT NULL,
      display_name varchar(120) NOT NULL,
      roles text NOT NULL,
      active boolean NOT NULL,
      password_hash varchar(255) NOT NULL,
      security_stamp varchar(36) NOT NULL,
      version integer NOT NULL,
      created_at varchar(30) NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE UNIQUE INDEX idx_users_username ON users (username)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE users`);
  }
}
