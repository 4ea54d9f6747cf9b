import { Header } from '@nestjs/common';

/**
 * `Cache-Control: no-store` on a route's answers, for every answer that holds a token or a
 * person's data (SPEC), so that no browser or proxy cache keeps them. Nest sets it before the
 * handler runs: pages that write the response themselves, and replayed Idempotency-Key answers,
 * carry it too.
 */
export const NoStore = (): MethodDecorator => Header('Cache-Control', 'no-store');
