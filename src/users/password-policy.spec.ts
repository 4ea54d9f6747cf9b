import { generatePassword, passwordProblem } from './password-policy.js';

describe('password policy', () => {
  it('names the first rule a password breaks', () => {
    const cases: Array<[string, string, string | null]> = [
      ['short-pw', 'amina.khan', 'passwordMinLength'],
      ['𝒶𝒷𝒸𝒹𝑒𝒻𝑔𝒽𝒾', 'amina.khan', 'passwordMinLength'],
      ['Amina.Khan', 'amina.khan', 'passwordNotUsername'],
      ['aaaaaaaaaa', 'amina.khan', 'passwordNotOneCharacter'],
      ['😀😀😀😀😀😀😀😀😀😀', 'amina.khan', 'passwordNotOneCharacter'],
      ['1234567890', 'amina.khan', 'passwordNotCommon'],
      ['Password123', 'amina.khan', 'passwordNotCommon'],
      ['qwertyuiop', 'amina.khan', 'passwordNotCommon'],
      ['correct horse battery', 'amina.khan', null],
      ['amina.khan-2026', 'amina.khan', null],
      ['𝒶𝒷𝒸𝒹𝑒𝒻𝑔𝒽𝒾𝒿', 'amina.khan', null],
    ];
    for (const [password, username, rule] of cases) {
      expect({ password, rule: passwordProblem(password, username)?.rule ?? null }).toEqual({ password, rule });
    }
  });

  it('says in words what is wrong', () => {
    expect(passwordProblem('aaaaaaaaaa', 'admin')?.message).toBe('password must not be one character repeated');
    expect(passwordProblem('1234567890', 'admin')?.message).toBe('password is a commonly used password; choose another');
  });

  it('generates passwords that pass it', () => {
    for (let i = 0; i < 20; i += 1) {
      const password = generatePassword('admin');
      expect(password).toMatch(/^[\w-]{24}$/);
      expect(passwordProblem(password, 'admin')).toBeNull();
    }
  });
});
