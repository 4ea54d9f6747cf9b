import { DomainError } from '../common/domain-error.js';
import { fieldWords } from '../common/http/event-data.dto.js';

/** What a refused action shows a person: the reason in plain words, from the error's stable code. */
export interface Refusal {
  code: string;
  status: number;
  message: string;
  /** When the refusal has several problems: each in plain words, shown as a list under `message`. */
  problems?: string[];
}

const RULE_WORDS: Record<string, string> = {
  notAlreadyApproved: 'You have already approved this proposal; one approver counts once.',
  approvedContentIsCurrent: 'The proposal changed after you read it. Read the current version, then decide again.',
  partyNotSigned: 'That party has already signed.',
  fieldsPresent: 'Write a summary before submitting the proposal.',
  minItems: 'Add at least one proposed activity before submitting the proposal.',
  adminCannotDisableSelf: 'You cannot disable your own account.',
  adminCannotChangeOwnRoles: 'You cannot change your own roles: another admin must.',
  currentPassword: 'Your current password is not the one you typed. Nothing was changed.',
};

/** Why single sign-on signed nobody in (SingleSignOnService, AuthService.loginWithIdentity): the provider vouched for who it was, so the page may say. */
function singleSignOnWords(details: Record<string, unknown>): string {
  const provider = typeof details.provider === 'string' ? details.provider : 'The identity provider';
  const email = typeof details.email === 'string' ? details.email : '';
  switch (details.reason) {
    case 'unknownEmail':
      return `No account here has the address ${email}. Accounts are not made at sign-in: ask an administrator to add this address to your account.`;
    case 'sharedEmail':
      return `More than one account here has the address ${email}, so it signs in to neither. Ask an administrator to keep it on one account.`;
    case 'disabled':
      return `The account with the address ${email} is disabled.`;
    case 'unverifiedEmail':
      return `${provider} has not verified the address ${email}. Verify it there, then try again.`;
    case 'noEmail':
      return `${provider} did not say your email address, which is how this site knows who you are.`;
    case 'unavailable':
      return `${provider} cannot be reached now. Try again later, or sign in with your username and password.`;
    case 'expired':
      return 'This sign-in took too long, or began in another browser. Start again.';
    default:
      return `${provider} did not sign you in. Start again.`;
  }
}

const KIND_WORDS: Record<string, string> = { mou_draft: 'a draft of the MOU', signed_mou: 'a signed copy of the MOU' };

/** A reason in lower case, as the rules give them, as a sentence. */
const sentence = (reason: string) => `${reason[0].toUpperCase()}${reason.slice(1)}.`;

/** The titles of states and events, from the workflows' labels (WorkflowRegistry). */
export interface RefusalLabels {
  stateLabel(path: string): { title: string };
  eventLabel(type: string): { title: string };
}

function words(error: DomainError, labels: RefusalLabels): string {
  const details = error.details ?? {};
  switch (error.code) {
    case 'VALIDATION_FAILED': {
      if (details.rule === 'fileRequired') return `Choose the file of ${String(details.field)}.`;
      const errors = Array.isArray(details.errors) ? (details.errors as string[]) : [error.message];
      if (Array.isArray(details.parameters)) return `This is not a valid address (${errors.join('; ')}). It may have been mistyped or cut short.`;
      return `Some of what you entered is not valid: ${errors.join('; ')}.`;
    }
    case 'UNAUTHENTICATED':
      return details.rule === 'singleSignOn' ? singleSignOnWords(details) : 'The username or password is wrong, or the account is disabled.';
    case 'FORBIDDEN':
      if (details.rule === 'csrf') return 'This form was not accepted: it expired or did not come from this site. Reload the page and try again.';
      // A rule that refuses someone the authority (a delegation that is not in force) says why in plain words.
      return typeof details.reason === 'string' ? sentence(details.reason) : 'Your roles do not allow this.';
    case 'SEPARATION_OF_DUTIES':
      return RULE_WORDS[String(details.rule)] ?? 'You created, edited or submitted this proposal, so someone else must decide on it.';
    case 'NOT_FOUND':
      return 'This does not exist, or no longer exists.';
    case 'EVENT_NOT_ALLOWED': {
      const allowed = Array.isArray(details.allowedEvents) ? (details.allowedEvents as string[]) : [];
      const now = allowed.length ? ` What you can do now: ${allowed.map((e) => `“${labels.eventLabel(e).title}”`).join(', ')}.` : '';
      const stage = typeof details.state === 'string' ? `“${labels.stateLabel(details.state).title}”` : 'this stage';
      return `That is not possible while it is ${stage}.${now}`;
    }
    case 'VERSION_MISMATCH':
      return `Someone changed this after you opened the page${
        typeof details.currentVersion === 'number' ? ` (it is now at version ${details.currentVersion})` : ''
      }. Nothing was saved: check the current state below, then try again if it still makes sense.`;
    case 'GUARD_FAILED':
      return problemWords(details) ?? `A rule refused this: ${error.message}.`;
    case 'QUORUM_UNREACHABLE':
      return details.approvers === 0
        ? `${sentence(error.message)} Ask an administrator to give someone the approver role first.`
        : `${sentence(error.message)} Ask for at most ${String(details.approvers)}.`;
    case 'CONFLICT':
      return `${error.message[0].toUpperCase()}${error.message.slice(1)}.`;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return `${typeof details.name === 'string' ? `“${details.name}”` : 'That file'} is not a kind of file taken here${
        typeof details.detected === 'string' ? ` (it is ${details.detected})` : ''
      }. Choose a PDF, Word (DOCX), OpenDocument (ODT), text (.txt) or Markdown (.md) file, or a PNG or JPEG image. Nothing was saved.`;
    case 'PAYLOAD_TOO_LARGE':
      return `${typeof details.name === 'string' ? `“${details.name}”` : 'That file'} is too large: a document may be at most ${String(details.maxMb)} MB. Nothing was saved.`;
    case 'WRONG_DOCUMENT':
      return `That document cannot be used here: this step takes ${KIND_WORDS[String((details.needs as { kind?: string } | undefined)?.kind)] ?? 'another kind of document'} uploaded for this partnership.`;
    case 'TOO_MANY_REQUESTS':
      return `Too many attempts. Wait ${typeof details.retryAfterSeconds === 'number' ? String(details.retryAfterSeconds) : 'a few'} seconds and try again.`;
    default:
      return error.message;
  }
}

/** One problem an event was refused for (`details`, or one of `details.problems`), in plain words. */
function problemWords(problem: Record<string, unknown>): string | undefined {
  if (problem.rule === 'requires' && Array.isArray(problem.missing)) {
    return `Fill in ${(problem.missing as string[]).map((path) => fieldWords(path) ?? path).join(' and ')}.`;
  }
  if (RULE_WORDS[String(problem.rule)]) return RULE_WORDS[String(problem.rule)];
  // The vocabulary's own reason is in plain words (the dates of a term, say, and what is wrong with them).
  return typeof problem.reason === 'string' ? sentence(problem.reason) : undefined;
}

/** Every problem of a refusal that has several (an event's rules, or the fields validation refused), each in plain words. */
function problemsOf(error: DomainError): string[] {
  const details = error.details ?? {};
  if (error.code === 'GUARD_FAILED' && Array.isArray(details.problems)) {
    return (details.problems as Array<Record<string, unknown>>).map((problem) => problemWords(problem) ?? 'A rule refused this.');
  }
  if (error.code === 'VALIDATION_FAILED' && !Array.isArray(details.parameters) && Array.isArray(details.errors) && details.errors.length > 1) {
    return (details.errors as string[]).map((e) => (e.endsWith('.') ? e : `${e}.`));
  }
  return [];
}

export function refusalOf(error: DomainError, labels: RefusalLabels): Refusal {
  const problems = problemsOf(error);
  if (problems.length > 1) return { code: error.code, status: error.status, message: 'Nothing was saved. Put these right, then send it again:', problems };
  return { code: error.code, status: error.status, message: words(error, labels) };
}
