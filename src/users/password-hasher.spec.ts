import { hashPassword, verifyPassword } from './password-hasher.js';

describe('password hasher', () => {
  it('stores scrypt with its parameters and a fresh salt, and verifies only the right password', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    // A lower cost for new hashes (PASSWORD_HASH_COST) is stored in the hash, and it verifies by it.
    const cheap = await hashPassword('correct horse battery', 10);
    expect(cheap).toMatch(/^scrypt\$1024\$8\$1\$/);
    await expect(verifyPassword('correct horse battery', cheap)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', cheap)).resolves.toBe(false);
    expect(second).not.toBe(first);
    await expect(verifyPassword('correct horse battery', first)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery', second)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', first)).resolves.toBe(false);
    await expect(verifyPassword('', first)).resolves.toBe(false);
  });

  it('refuses anything that is not a hash it wrote', async () => {
    for (const stored of ['', 'plain-text', 'bcrypt$1$2$3$abc$def', 'scrypt$x$8$1$c2FsdA$aGFzaA', 'scrypt$32768$8$1$$aGFzaA', 'scrypt$3$8$1$c2FsdA$aGFzaA']) {
      await expect(verifyPassword('anything', stored)).resolves.toBe(false);
    }
  });
});
