import { AuditService } from '../../src/audit/audit.service.js';
import { emit, log, nowMs, openServices, round } from '../support.js';

/** AuditService.verify() over the whole chain the growth figures left behind, in rows per second. */
const app = await openServices();
const start = nowMs();
const result = await app.get(AuditService).verify();
const seconds = (nowMs() - start) / 1000;
await app.close();
if (!result.ok) throw new Error(`the chain does not verify: ${JSON.stringify(result)}`);
log(`verify: ${result.events} rows in ${seconds.toFixed(1)} s`);
emit({ rows: result.events, seconds: round(seconds, 2), rowsPerSecond: round(result.events / seconds, 0) });
