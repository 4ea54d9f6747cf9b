/** The columns a partnership counter row counts by. */
export const COUNT_GROUP = 'organization_id, state, overdue';

/** A table of counters kept by triggers: its name, the columns it counts rows by, and PostgreSQL's function that keeps it. */
export interface CounterTable {
  table: string;
  group: string;
  follow: string;
}

export const PARTNERSHIP_COUNTER: CounterTable = { table: 'partnership_counts', group: COUNT_GROUP, follow: 'partnership_counts_follow' };

/**
 * PostgreSQL's statement-level trigger function that keeps a counter table (`partnership_counts`
 * unless told): the rows a statement changed are counted by group (transition tables), and the
 * deltas applied in key order, so that writers take counter rows in one order and cannot deadlock
 * on them. With `shard`, an SQL expression, the deltas go to that shard of each group (1764320600000).
 */
export function countsFollowFunction(shard: string | null, counter: CounterTable = PARTNERSHIP_COUNTER): string {
  const { table, group, follow } = counter;
  const rows = (source: 'new_rows' | 'old_rows', sign: 1 | -1) => `SELECT ${group}, ${sign} AS n FROM ${source}`;
  const columns = shard ? `${group}, shard` : group;
  const apply = (deltas: string) => `INSERT INTO ${table} AS c (${columns}, n)
        SELECT ${group}${shard ? `, ${shard}` : ''}, SUM(n) FROM (${deltas}) AS delta GROUP BY ${group} HAVING SUM(n) <> 0 ORDER BY ${group}
        ON CONFLICT (${columns}) DO UPDATE SET n = c.n + EXCLUDED.n;`;
  return `CREATE OR REPLACE FUNCTION ${follow}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${apply(rows('new_rows', 1))}
        ELSIF TG_OP = 'DELETE' THEN
          ${apply(rows('old_rows', -1))}
        ELSE
          ${apply(`${rows('old_rows', -1)} UNION ALL ${rows('new_rows', 1)}`)}
        END IF;
        RETURN NULL;
      END $$`;
}
