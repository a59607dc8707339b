/** The system of record: one Database interface over embedded PGlite or a PostgreSQL server, and the migrations. */
export type { Backend, Database, Queryable, QueryOptions, QueryResult } from './database.js';
export { isRetryableDatabaseError, transactionWithRetry } from './database.js';
export { openDatabase, openDatabaseFromConfig } from './open-database.js';
export type { OpenDatabaseOptions } from './open-database.js';
export { listMigrations, migrate } from './migrate.js';
export type { Migration } from './migrate.js';
export { dumpSchema } from './schema-dump.js';
export { appendEvent, INSERT_PLATFORM_EVENTS_SQL, listAuditEvents } from './event-log.js';
export type { AuditEvent, AuditFilter, PlatformEvent } from './event-log.js';
export { findPostgresBin, startThrowawayPostgres } from './throwaway-postgres.js';
export type { ThrowawayPostgres } from './throwaway-postgres.js';
export { backupDatabase, backupFormatOf, restoreDatabase } from './backup.js';
export type { BackupFormat, BackupTarget } from './backup.js';
export { mayUseRelation, TABLE_OWNERS } from './table-owners.js';
export type { Access, TableOwnership } from './table-owners.js';
export { projectorPosition, projectPending, projectRound, rebuildProjector } from './projector.js';
export type { ProjectedEvent, Projector, ProjectorPosition, ProjectorRound } from './projector.js';
