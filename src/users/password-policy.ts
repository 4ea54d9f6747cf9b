import { dictionary } from '@zxcvbn-ts/language-common';
import { randomBytes } from 'node:crypto';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
/** The rules in words, for the API's documentation. */
export const PASSWORD_RULES = `at least ${PASSWORD_MIN_LENGTH} characters, not the username, not one character repeated, not a commonly used password`;

/** The rules a password must pass (SPEC, "HTTP API"), each with a stable name an error carries as `details.rule`. */
export type PasswordRule = 'passwordMinLength' | 'passwordNotUsername' | 'passwordNotOneCharacter' | 'passwordNotCommon';

export interface PasswordProblem {
  rule: PasswordRule;
  message: string;
}

/**
 * zxcvbn-ts's list of commonly used passwords (about 49,000, lower-case), as a set built at the
 * first check rather than at import, so processes that never set a password do not pay for it.
 */
let commonPasswords: Set<string> | undefined;

/**
 * The first rule `password` breaks for the user `username`, or null. The one rule for every place
 * a password is set: the API, the users page, ADMIN_PASSWORD and generated passwords.
 */
export function passwordProblem(password: string, username: string): PasswordProblem | null {
  const characters = [...password];
  if (characters.length < PASSWORD_MIN_LENGTH) {
    return { rule: 'passwordMinLength', message: `password must have at least ${PASSWORD_MIN_LENGTH} characters` };
  }
  const lowerCase = password.toLowerCase();
  if (lowerCase === username.trim().toLowerCase()) return { rule: 'passwordNotUsername', message: 'password must not be the username' };
  if (characters.every((character) => character === characters[0])) {
    return { rule: 'passwordNotOneCharacter', message: 'password must not be one character repeated' };
  }
  commonPasswords ??= new Set(dictionary['passwords-common']);
  if (commonPasswords.has(lowerCase)) return { rule: 'passwordNotCommon', message: 'password is a commonly used password; choose another' };
  return null;
}

/** A random password of 24 URL-safe characters that passes the rules for `username`. */
export function generatePassword(username: string): string {
  for (;;) {
    const password = randomBytes(18).toString('base64url');
    if (passwordProblem(password, username) === null) return password;
  }
}
