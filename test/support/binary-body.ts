/**
 * A supertest parser that keeps a response's bytes as they came, whatever its media type:
 * `.buffer(true).parse(binaryBody)`, then `response.body` is a Buffer.
 */
export function binaryBody(res: { on(event: string, listener: (chunk: Buffer) => void): unknown }, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
