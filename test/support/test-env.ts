/**
 * Set before every test file (jest `setupFiles`), and inherited by the service processes tests
 * start: new password hashes take scrypt's N = 2^10 instead of 2^15. The suites sign in thousands
 * of times; at the production cost that was a third of the SQLite pass (5m45 against 4m04).
 * The production cost is tested in src/users/password-hasher.spec.ts.
 */
process.env.PASSWORD_HASH_COST ??= '10';
