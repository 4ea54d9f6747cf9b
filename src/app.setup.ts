import type { INestApplication } from '@nestjs/common';

/** HTTP settings shared by main.ts and the end-to-end tests, so both run the same app. */
export function configureApp(app: INestApplication): void {
  app.setGlobalPrefix('api');
}
