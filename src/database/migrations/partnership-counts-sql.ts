/** The columns a partnership counter row counts by. */
export const COUNT_GROUP = 'organization_id, state, overdue';

/**
 * PostgreSQL's statement-level trigger function that keeps `partnership_counts`: the rows a
 * statement changed are counted by group (transition tables), and the deltas applied in key
 * order, so that writers take counter rows in one order and cannot deadlock on them. With
 * `shard`, an SQL expression, the deltas go to that shard of each group (1764320600000).
 */
export function countsFollowFunction(shard: string | null): string {
  const rows = (table: 'new_rows' | 'old_rows', sign: 1 | -1) => `SELECT ${COUNT_GROUP}, ${sign} AS n FROM ${table}`;
  const columns = shard ? `${COUNT_GROUP}, shard` : COUNT_GROUP;
  const apply = (deltas: string) => `INSERT INTO partnership_counts AS c (${columns}, n)
        SELECT ${COUNT_GROUP}${shard ? `, ${shard}` : ''}, SUM(n) FROM (${deltas}) AS delta GROUP BY ${COUNT_GROUP} HAVING SUM(n) <> 0 ORDER BY ${COUNT_GROUP}
        ON CONFLICT (${columns}) DO UPDATE SET n = c.n + EXCLUDED.n;`;
  return `CREATE OR REPLACE FUNCTION partnership_counts_follow() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
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
