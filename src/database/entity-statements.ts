import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata.js';
import { plainExecute, plainQuery } from './plain-query.js';

/**
 * Fixed-text statements for an entity's hot paths: read by primary key, insert, and an update of
 * some columns. The text is built once from TypeORM's metadata, and values go through the driver's
 * own `preparePersistentValue` / `prepareHydratedValue`, so rows are read and written exactly as
 * the entity manager would, without building a query each time. Building one cost more CPU than
 * the database's work for it (the query builder, alias resolution, parameter escaping, and on
 * SQLite a new prepared statement for every literal it wrote into the text, such as a version
 * number). For plain column entities only: no relations, embedded columns or listeners.
 */
export class EntityStatements<T extends ObjectLiteral> {
  private readonly columns: ColumnMetadata[];
  private readonly byProperty: Map<string, ColumnMetadata>;
  private readonly primary: ColumnMetadata;
  private readonly selectById: string;
  private readonly insertTexts = new Map<number, string>();
  private readonly names: string;
  private readonly updateTexts = new Map<string, string>();

  private constructor(
    private readonly dataSource: DataSource,
    private readonly metadata: EntityMetadata,
  ) {
    if (metadata.relations.length > 0 || metadata.embeddeds.length > 0 || metadata.listeners.length > 0 || metadata.primaryColumns.length !== 1) {
      throw new Error(`EntityStatements takes entities of plain columns with one primary key and no listeners; ${metadata.name} is not one`);
    }
    this.columns = metadata.columns;
    this.byProperty = new Map(this.columns.map((column) => [column.propertyName, column]));
    this.primary = metadata.primaryColumns[0];
    this.names = this.columns.map((column) => quote(column.databaseName)).join(', ');
    this.selectById = `SELECT ${this.names} FROM ${quote(metadata.tableName)} WHERE ${quote(this.primary.databaseName)} = ?`;
  }

  private static readonly cache = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, EntityStatements<ObjectLiteral>>>();

  /** The statements of `entity` on `dataSource`, built on first use. */
  static of<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>): EntityStatements<T> {
    let forSource = EntityStatements.cache.get(dataSource);
    if (!forSource) EntityStatements.cache.set(dataSource, (forSource = new Map<EntityTarget<ObjectLiteral>, EntityStatements<ObjectLiteral>>()));
    let statements = forSource.get(entity);
    if (!statements) forSource.set(entity, (statements = new EntityStatements(dataSource, dataSource.getMetadata(entity))));
    return statements as unknown as EntityStatements<T>;
  }

  /** The row with this primary key, as an entity, or null. */
  async findById(db: DataSource | EntityManager, id: string): Promise<T | null> {
    const [raw] = await plainQuery(db, this.selectById, [id]);
    return raw ? this.hydrate(raw) : null;
  }

  /**
   * Every column of the entity as a select list of the table under `alias`, each named as `hydrate` reads it, for a statement that reads more beside
   * it; with no alias, as many NULLs, for the other arm of a UNION ALL.
   */
  selectList(alias?: string): string {
    return this.columns.map((column) => (alias === undefined ? 'NULL' : `${quote(alias)}.${quote(column.databaseName)}`)).join(', ');
  }

  /** The entity of a raw row that holds its columns by their names (`selectList`, or `SELECT *`). */
  hydrate(raw: Record<string, unknown>): T {
    const entity = this.metadata.create(undefined, { fromDeserializer: true }) as T;
    for (const column of this.columns) {
      (entity as ObjectLiteral)[column.propertyName] = this.dataSource.driver.prepareHydratedValue(raw[column.databaseName], column) as unknown;
    }
    return entity;
  }

  /**
   * Inserts rows that name every column, in one statement: a transition that enters a state with two timers writes both at once. The text is
   * prepared once per number of rows, which the callers keep small (the delays of one state).
   */
  async insert(db: DataSource | EntityManager, ...rows: T[]): Promise<void> {
    if (rows.length === 0) return;
    let text = this.insertTexts.get(rows.length);
    if (!text) {
      const tuple = `(${this.columns.map(() => '?').join(', ')})`;
      text = `INSERT INTO ${quote(this.metadata.tableName)} (${this.names}) VALUES ${rows.map(() => tuple).join(', ')}`;
      this.insertTexts.set(rows.length, text);
    }
    await plainQuery(
      db,
      text,
      rows.flatMap((row) => this.columns.map((column) => this.persistent(column, row[column.propertyName]))),
    );
  }

  /**
   * `UPDATE … SET <changes> WHERE <primary key> = ? AND <where> = ?`: the number of rows changed.
   * The text depends only on which properties change, so it is prepared once per set of properties.
   */
  async update(db: DataSource | EntityManager, id: string, changes: Partial<T>, where: { property: keyof T & string; value: unknown }): Promise<number> {
    const properties = Object.keys(changes).filter((property) => (changes as ObjectLiteral)[property] !== undefined);
    const key = `${properties.join(',')}|${where.property}`;
    let text = this.updateTexts.get(key);
    if (!text) {
      const set = properties.map((property) => `${quote(this.column(property).databaseName)} = ?`).join(', ');
      text = `UPDATE ${quote(this.metadata.tableName)} SET ${set} WHERE ${quote(this.primary.databaseName)} = ? AND ${quote(this.column(where.property).databaseName)} = ?`;
      this.updateTexts.set(key, text);
    }
    const values = properties.map((property) => this.persistent(this.column(property), (changes as ObjectLiteral)[property]));
    values.push(id, this.persistent(this.column(where.property), where.value));
    return plainExecute(db, text, values);
  }

  private column(property: string): ColumnMetadata {
    const column = this.byProperty.get(property);
    if (!column) throw new Error(`${this.metadata.name} has no column ${property}`);
    return column;
  }

  private persistent(column: ColumnMetadata, value: unknown): unknown {
    if (value instanceof Persisted) return value.value;
    return this.dataSource.driver.preparePersistentValue(value, column);
  }
}

/** A value already in the form its column stores (a simple-json column's text), written as it is: the caller serialized it once for a check of its own. */
export class Persisted {
  constructor(readonly value: unknown) {}
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
