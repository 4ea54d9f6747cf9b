import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A person's place at an organization, with their title there; `position` keeps the order they were given in. */
@Entity('affiliations')
@Index('idx_affiliations_organization', ['organizationId'])
export class Affiliation {
  @PrimaryColumn({ name: 'person_id', type: 'varchar', length: 36 })
  personId: string;

  @PrimaryColumn({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  title: string | null;

  @Column({ type: 'integer' })
  position: number;
}
