import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { plainQuery } from '../database/plain-query.js';
import type { Checkpoint, CheckpointWithRow } from './audit-checkpoint.js';
import { AuditCheckpoint } from './audit-checkpoint.entity.js';

interface CheckpointRow {
  seq: number | string;
  hash: string;
  signed_at: string;
  key_fingerprint: string;
  signature: string;
}

const COLUMNS = 'c.seq, c.hash, c.signed_at, c.key_fingerprint, c.signature';

function checkpointOf(row: CheckpointRow): Checkpoint {
  return { seq: Number(row.seq), hash: row.hash, signedAt: row.signed_at, keyFingerprint: row.key_fingerprint, signature: row.signature };
}

/** The table of signed checkpoints of the audit chain (migration 1764322000000): one row per seq, never changed. */
@Injectable()
export class AuditCheckpointsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, checkpoint: Checkpoint): Promise<void> {
    await plainQuery(manager, 'INSERT INTO audit_checkpoints (seq, hash, signed_at, key_fingerprint, signature) VALUES (?, ?, ?, ?, ?)', [
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.signedAt,
      checkpoint.keyFingerprint,
      checkpoint.signature,
    ]);
  }

  async at(manager: EntityManager, seq: number): Promise<Checkpoint | undefined> {
    const [row] = await plainQuery<CheckpointRow>(manager, `SELECT ${COLUMNS} FROM audit_checkpoints c WHERE c.seq = ?`, [seq]);
    return row && checkpointOf(row);
  }

  /** The checkpoint of the highest seq. */
  async latest(db: EntityManager | DataSource = this.dataSource): Promise<Checkpoint | undefined> {
    const [row] = await plainQuery<CheckpointRow>(db, `SELECT ${COLUMNS} FROM audit_checkpoints c ORDER BY c.seq DESC LIMIT 1`, []);
    return row && checkpointOf(row);
  }

  /** The checkpoints with `after < seq <= until`, in seq order. */
  async between(after: number, until: number): Promise<Checkpoint[]> {
    const rows = await plainQuery<CheckpointRow>(this.dataSource, `SELECT ${COLUMNS} FROM audit_checkpoints c WHERE c.seq > ? AND c.seq <= ? ORDER BY c.seq`, [
      after,
      until,
    ]);
    return rows.map(checkpointOf);
  }

  /** Every checkpoint in seq order, with the hash its row has now (one primary-key lookup each), for verify(). */
  async withRowHashes(): Promise<CheckpointWithRow[]> {
    const rows = await plainQuery<CheckpointRow & { row_hash: string | null }>(
      this.dataSource,
      `SELECT ${COLUMNS}, a.hash AS row_hash FROM audit_checkpoints c LEFT JOIN audit_events a ON a.seq = c.seq ORDER BY c.seq`,
      [],
    );
    return rows.map((row) => ({ ...checkpointOf(row), rowHash: row.row_hash }));
  }

  async page(limit: number, offset: number): Promise<{ items: Checkpoint[]; total: number }> {
    const [items, total] = await this.dataSource
      .getRepository(AuditCheckpoint)
      .createQueryBuilder('c')
      .orderBy('c.seq', 'ASC')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
    return { items: items.map((c) => ({ seq: c.seq, hash: c.hash, signedAt: c.signedAt, keyFingerprint: c.keyFingerprint, signature: c.signature })), total };
  }
}
