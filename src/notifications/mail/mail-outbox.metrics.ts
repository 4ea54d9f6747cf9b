import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { plainQuery } from '../../database/plain-query.js';
import { Metrics } from '../../observability/metrics.js';
import type { MailStatus } from './mail-outbox.entity.js';

/** notifications_pending and notifications_failed: the mail outbox's rows in either status, read at each scrape. */
@Injectable()
export class MailOutboxMetrics {
  constructor(metrics: Metrics, dataSource: DataSource) {
    const count = (status: MailStatus) => async () =>
      Number((await plainQuery<{ n: number | string }>(dataSource, 'SELECT COUNT(*) AS n FROM mail_outbox WHERE status = ?', [status]))[0].n);
    metrics.scrape({ name: 'notifications_pending', help: 'Mails of notices not sent yet (retries included).', type: 'gauge', read: count('pending') });
    metrics.scrape({ name: 'notifications_failed', help: 'Mails of notices given up on after MAIL_MAX_ATTEMPTS tries.', type: 'gauge', read: count('failed') });
  }
}
