import { Injectable } from '@nestjs/common';
import { DataSource, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { Partnership } from './partnership.entity.js';

export interface PartnershipQuery {
  state?: string;
  organizationId?: string;
  q?: string;
  overdue?: boolean;
  limit?: number;
  offset?: number;
}

/** Like Elasticsearch's `hits.total.relation`: `eq` when `total` is exact, `gte` when at least `total` match. */
export type TotalRelation = 'eq' | 'gte';

export interface PartnershipPage {
  items: Partnership[];
  total: number;
  totalRelation: TotalRelation;
}

/**
 * A title search counts its matches up to this many and answers "at least" beyond. The same number
 * decides how a page is found: up to this many candidates are fetched through their index and
 * sorted; with more, walking `created_at` newest first meets one at least every N / this many rows.
 */
export const SEARCH_COUNT_LIMIT = 1000;
const DEFAULT_PAGE_SIZE = 50;
/** Trigram indexes find substrings of three characters or more; a shorter one is looked for row by row. */
const TRIGRAM_LENGTH = 3;

/**
 * Which index leads a query: the filters' own (few rows pass them), the title trigrams (few titles
 * match), or `created_at`, walked newest first (many rows match, so a page is met soon).
 */
type Lead = 'filters' | 'titles' | 'created';

interface TitleSearch {
  /** The rule: `title_key LIKE '%q%'`, q lower-cased, its `%`, `_` and `\` taken literally. */
  pattern: string;
  /** Long enough for the trigram index. */
  trigrams: boolean;
  /** The FTS5 phrase (SQLite): inside double quotes every character is literal, a quote is doubled. */
  phrase: string;
}

interface Filter extends PartnershipQuery {
  /** The states the state prefix stands for, as the counters know them. */
  states?: string[];
  title?: TitleSearch;
}

/**
 * Pages of partnerships, newest first, with their total, in time that does not grow with the table:
 * totals come from `partnership_counts`, title matches from `partnership_titles` (see the migration
 * PartnershipCountsAndTitleSearch1764320500000). A deep `offset` still walks the rows it skips.
 */
@Injectable()
export class PartnershipListRepository {
  constructor(private readonly dataSource: DataSource) {}

  async page(query: PartnershipQuery): Promise<PartnershipPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = query.offset ?? 0;
    const byState = await this.countsByState(query);
    const counted = [...byState.values()].reduce((sum, n) => sum + n, 0);
    if (counted === 0) return { items: [], total: 0, totalRelation: 'eq' };
    const filter: Filter = { ...query, states: query.state ? [...byState.keys()] : undefined };
    if (!query.q) {
      const items = await this.rows(filter, counted > SEARCH_COUNT_LIMIT ? 'created' : 'filters', limit, offset);
      return { items, total: counted, totalRelation: 'eq' };
    }
    const title = titleSearch(query.q);
    const search: Filter = { ...filter, title };
    if (hasFilters(query) && counted <= SEARCH_COUNT_LIMIT) {
      // Few rows pass the other filters: their titles are read one by one, and counted exactly.
      const total = await this.count(search, 'filters');
      return { items: total === 0 ? [] : await this.rows(search, 'filters', limit, offset), total, totalRelation: 'eq' };
    }
    const lead: Lead = title.trigrams ? 'titles' : 'created';
    const matches = await this.count(search, lead, SEARCH_COUNT_LIMIT + 1);
    if (matches <= SEARCH_COUNT_LIMIT) {
      return { items: matches === 0 ? [] : await this.rows(search, lead, limit, offset), total: matches, totalRelation: 'eq' };
    }
    const items = await this.rows(search, 'created', limit, offset);
    if (items.length === 0) return { items, total: SEARCH_COUNT_LIMIT, totalRelation: 'gte' };
    // A page that ends before its limit is the last one: then the total is known.
    if (items.length < limit) return { items, total: offset + items.length, totalRelation: 'eq' };
    return { items, total: Math.max(SEARCH_COUNT_LIMIT, offset + items.length), totalRelation: 'gte' };
  }

  /** Partnerships per state passing the state, organization and overdue filters, from the counters. */
  async countsByState(query: PartnershipQuery = {}): Promise<Map<string, number>> {
    const qb = this.dataSource.createQueryBuilder().select('c.state', 'state').addSelect('SUM(c.n)', 'n').from('partnership_counts', 'c');
    if (query.state) qb.andWhere("(c.state = :state OR c.state LIKE :prefix ESCAPE '\\')", { state: query.state, prefix: `${escapeLike(query.state)}.%` });
    if (query.organizationId) qb.andWhere('c.organization_id = :org', { org: query.organizationId });
    if (query.overdue !== undefined) qb.andWhere('c.overdue = :overdue', { overdue: query.overdue });
    const rows = await qb.groupBy('c.state').having('SUM(c.n) > 0').getRawMany<{ state: string; n: number | string }>();
    return new Map(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** How many partnerships pass the filter, counting no further than `limit`. */
  private async count(filter: Filter, lead: Lead, limit?: number): Promise<number> {
    const inner = lead === 'titles' ? this.titleMatches(filter) : this.where(this.dataSource.createQueryBuilder().from(Partnership, 'p'), filter, lead);
    inner.select('1');
    if (limit !== undefined) inner.limit(limit);
    const [{ n }] = await this.dataSource
      .createQueryBuilder()
      .select('COUNT(*)', 'n')
      .from(`(${inner.getQuery()})`, 's')
      .setParameters(inner.getParameters())
      .getRawMany<{ n: number | string }>();
    return Number(n);
  }

  /** The trigram index's matches, streamed, joined to their partnerships only when other filters need them. */
  private titleMatches(filter: Filter): SelectQueryBuilder<ObjectLiteral> {
    const title = filter.title as TitleSearch;
    const qb = this.dataSource.createQueryBuilder().from('partnership_titles', 't');
    if (this.isSqlite()) qb.where('t.partnership_titles MATCH :phrase', { phrase: title.phrase });
    else qb.where("t.title_key LIKE :pattern ESCAPE '\\'", { pattern: title.pattern });
    if (!hasFilters(filter)) return qb;
    qb.innerJoin('partnerships', 'p', this.isSqlite() ? 'p.rowid = t.rowid' : 'p.id = t.partnership_id');
    return this.where(qb, { ...filter, title: undefined }, 'titles');
  }

  /** The page's keys first, sorted without the rest of their rows; then only the page's rows are read whole. */
  private rows(filter: Filter, lead: Lead, limit: number, offset: number): Promise<Partnership[]> {
    const keys = this.where(this.dataSource.createQueryBuilder().select('p.id').from(Partnership, 'p'), filter, lead)
      .orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'ASC')
      .limit(limit)
      .offset(offset);
    return this.dataSource
      .getRepository(Partnership)
      .createQueryBuilder('row')
      .where(`row.id IN (${keys.getQuery()})`)
      .setParameters(keys.getParameters())
      .orderBy('row.created_at', 'DESC')
      .addOrderBy('row.id', 'ASC')
      .getMany();
  }

  /**
   * The filter's conditions on `p`. SQLite has no statistics to choose an index by, so the columns
   * whose index must not lead are written `+p.column`: behind the trigram index, every filter;
   * walking `created_at`, a list of states (their index would find them all, then sort them).
   */
  private where<Q extends SelectQueryBuilder<ObjectLiteral>>(qb: Q, filter: Filter, lead: Lead): Q {
    const column = (name: string, led: boolean) => (led && this.isSqlite() ? `+p.${name}` : `p.${name}`);
    const { states, title } = filter;
    if (states) qb.andWhere(`${column('state', lead === 'titles' || (lead === 'created' && states.length > 1))} IN (:...states)`, { states });
    if (filter.organizationId) qb.andWhere(`${column('organization_id', lead === 'titles')} = :org`, { org: filter.organizationId });
    if (filter.overdue !== undefined) qb.andWhere(`${column('overdue', lead === 'titles')} = :overdue`, { overdue: filter.overdue });
    if (title && lead === 'titles') {
      if (this.isSqlite()) qb.andWhere('p.rowid IN (SELECT rowid FROM partnership_titles WHERE partnership_titles MATCH :phrase)', { phrase: title.phrase });
      else qb.andWhere("p.id IN (SELECT partnership_id FROM partnership_titles WHERE title_key LIKE :pattern ESCAPE '\\')", { pattern: title.pattern });
    } else if (title) {
      qb.andWhere("p.title_key LIKE :pattern ESCAPE '\\'", { pattern: title.pattern });
    }
    return qb;
  }

  private isSqlite(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
  }
}

function hasFilters(query: PartnershipQuery): boolean {
  return Boolean(query.state) || Boolean(query.organizationId) || query.overdue !== undefined;
}

function titleSearch(q: string): TitleSearch {
  const key = q.toLowerCase();
  return { pattern: `%${escapeLike(key)}%`, trigrams: [...key].length >= TRIGRAM_LENGTH, phrase: `"${key.replace(/"/g, '""')}"` };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
