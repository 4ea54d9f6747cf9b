/** The words of a mail, plain text and HTML, for one notice or a day's digest. */

export interface MailNotice {
  id: string;
  subject: string;
  body: string;
  /** The page, as a full URL. */
  url: string;
}

export interface MailMessage {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** `<…@host>`: a mail client that sees it twice (mail is sent at least once) can drop the repeat. */
  messageId: string;
}

const FOOTER = 'You get this mail from the Partnership Engine. How you get its mail (each notice, a daily digest, or none) is set on your account.';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function noticeHtml(notice: MailNotice): string {
  return `${paragraphs(notice.body)}\n<p><a href="${escapeHtml(notice.url)}">Open it in the Partnership Engine</a></p>`;
}

function page(title: string, content: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${content}\n<p><small>${escapeHtml(FOOTER)}</small></p>\n</body></html>\n`;
}

export function noticeMail(to: MailMessage['to'], notice: MailNotice, host: string): MailMessage {
  const greeting = `Hello ${to.name},`;
  return {
    to,
    subject: notice.subject,
    text: `${greeting}\n\n${notice.body}\n\nOpen it: ${notice.url}\n\n-- \n${FOOTER}\n`,
    html: page(notice.subject, `<p>${escapeHtml(greeting)}</p>\n${noticeHtml(notice)}`),
    messageId: `<${notice.id}@${host}>`,
  };
}

/** One mail of the notices a daily reader has not read yet, oldest first. */
export function digestMail(to: MailMessage['to'], notices: MailNotice[], day: string, host: string): MailMessage {
  const subject = `What waits for you: ${notices.length} ${notices.length === 1 ? 'notice' : 'notices'} (${day})`;
  const intro = `Hello ${to.name},\n\nHere is what waits for you, as of ${day}:`;
  const text = notices.map((n, i) => `${i + 1}. ${n.subject}\n\n${n.body}\n\nOpen it: ${n.url}`).join('\n\n');
  const html = notices.map((n) => `<h2>${escapeHtml(n.subject)}</h2>\n${noticeHtml(n)}`).join('\n');
  return {
    to,
    subject,
    text: `${intro}\n\n${text}\n\n-- \n${FOOTER}\n`,
    html: page(subject, `${paragraphs(intro)}\n${html}`),
    messageId: `<digest.${notices[0].id}@${host}>`,
  };
}
