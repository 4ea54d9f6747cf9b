import request from 'supertest';
import type { App } from 'supertest/types.js';
import { USER_PASSWORD } from './api.js';
import { binaryBody } from './binary-body.js';

export interface WebPage {
  status: number;
  html: string;
  /** The CSRF token of the page's forms. */
  csrf: string;
  headers: Record<string, string>;
}

/** A browser-like client of the pages: it keeps cookies, reads each page's CSRF token and posts forms with it. */
export interface WebAgent {
  get(path: string): Promise<WebPage>;
  /** Posts a form with the CSRF token of the page last read, without following the redirect. */
  post(
    path: string,
    form: Record<string, string | string[]>,
  ): Promise<{ status: number; html: string; location: string | undefined; headers: Record<string, string> }>;
  /** Posts a form as `multipart/form-data` with these files, the CSRF token of the page last read first, as a browser sends a form that uploads. */
  postFiles(
    path: string,
    form: Record<string, string>,
    files: Record<string, { bytes: Buffer; name: string }>,
    options?: { csrf?: string },
  ): Promise<{ status: number; html: string; location: string | undefined; headers: Record<string, string> }>;
  /** A file the pages offer for download, read as text whatever its media type. */
  download(path: string): Promise<{ status: number; text: string; headers: Record<string, string> }>;
  /** A file the pages offer for download, as its bytes. */
  downloadBytes(path: string): Promise<{ status: number; bytes: Buffer; headers: Record<string, string> }>;
}

/** A supertest parser that keeps any answer's body as text (supertest buffers only text, JSON and forms on its own). */
export function asText(response: request.Response, done: (error: Error | null, body: string) => void): void {
  let text = '';
  response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  response.on('end', () => done(null, text));
}

const CSRF_INPUT = /name="_csrf" value="([^"]+)"/;

/** A browser without an account: it keeps cookies and posts each form with the CSRF token of the page last read. */
export function pagesAgent(http: App): WebAgent {
  const agent = request.agent(http);
  let csrf = '';
  const get = async (path: string): Promise<WebPage> => {
    const response = await agent.get(path);
    csrf = CSRF_INPUT.exec(response.text)?.[1] ?? csrf;
    return { status: response.status, html: response.text, csrf, headers: response.headers };
  };
  const post = async (path: string, form: Record<string, string | string[]>) => {
    const response = await agent
      .post(path)
      .type('form')
      .send({ _csrf: csrf, ...form });
    return {
      status: response.status,
      html: response.text,
      location: response.headers.location as string | undefined,
      headers: response.headers as Record<string, string>,
    };
  };
  const postFiles = async (
    path: string,
    form: Record<string, string>,
    files: Record<string, { bytes: Buffer; name: string }>,
    options: { csrf?: string } = {},
  ) => {
    let test = agent.post(path).field('_csrf', options.csrf ?? csrf);
    for (const [name, value] of Object.entries(form)) test = test.field(name, value);
    for (const [name, file] of Object.entries(files)) test = test.attach(name, file.bytes, file.name);
    const response = await test;
    return {
      status: response.status,
      html: response.text,
      location: response.headers.location as string | undefined,
      headers: response.headers as Record<string, string>,
    };
  };
  const download = async (path: string) => {
    const response = await agent.get(path).buffer(true).parse(asText);
    return { status: response.status, text: response.body as string, headers: response.headers as Record<string, string> };
  };
  const downloadBytes = async (path: string) => {
    const response = await agent.get(path).buffer(true).parse(binaryBody);
    return { status: response.status, bytes: response.body as Buffer, headers: response.headers as Record<string, string> };
  };
  return { get, post, postFiles, download, downloadBytes };
}

/** Signs `username` in through the sign-in page, as a person would. */
export async function signInToPages(http: App, username: string, password = USER_PASSWORD): Promise<WebAgent> {
  const agent = pagesAgent(http);
  await agent.get('/ui/sign-in');
  const signedIn = await agent.post('/ui/sign-in', { username, password, next: '/' });
  if (signedIn.status !== 303) throw new Error(`sign-in as ${username} answered ${signedIn.status}`);
  return agent;
}

/** The value of the form field with this id, as the page shows it (attribute-escaped HTML). */
export function inputValue(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*\\svalue="([^"]*)"`).exec(html)?.[1];
}
