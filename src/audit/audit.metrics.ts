import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { plainQuery } from '../database/plain-query.js';
import { Metrics } from '../observability/metrics.js';

/** audit_events_total: the chain's length, from its last row, so it is right whichever instance appended, and never goes down. */
@Injectable()
export class AuditMetrics {
  constructor(metrics: Metrics, dataSource: DataSource) {
    const total = async () => Number((await plainQuery<{ n: number | string }>(dataSource, 'SELECT COALESCE(MAX(seq), 0) AS n FROM audit_events', []))[0].n);
    metrics.scrape({ name: 'audit_events_total', help: 'Rows in the audit chain.', type: 'counter', read: total });
  }
}
