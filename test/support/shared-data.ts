/**
 * The brief's shared data (event logs with PM4Py's expected figures, the DMN TCK, the BPMN MIWG models), kept
 * outside the repository in ../shared/data. Suites that need it skip with a message naming what is missing when it
 * is absent locally; under CI=true a missing file is an error instead, as a missing PostgreSQL server is
 * (databases.ts), so that a CI run can never turn green by silently skipping the data-backed suites.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/data beside the repository, or GOVFLOW_SHARED_DATA (mutation testing runs from a sandbox copy). */
export const SHARED_DATA_DIR = process.env['GOVFLOW_SHARED_DATA'] ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/** The absolute path of a file or folder in the shared data. */
export function sharedPath(relative: string): string {
  return path.join(SHARED_DATA_DIR, relative);
}

/**
 * The `skip` option of a suite or test that reads the given shared files: false when all exist; otherwise the
 * reason to skip. Under CI=true (or GOVFLOW_REQUIRE_SHARED_DATA=1) a missing file throws instead, which fails the
 * test file.
 */
export function skipWithoutSharedData(...relatives: string[]): string | false {
  const missing = relatives.filter((r) => !existsSync(sharedPath(r)));
  if (missing.length === 0) return false;
  const reason = `shared data not found: ${missing.map((m) => sharedPath(m)).join(', ')} (set GOVFLOW_SHARED_DATA or put the brief's data in ../shared/data)`;
  if (process.env['CI'] === 'true' || process.env['GOVFLOW_REQUIRE_SHARED_DATA'] === '1') {
    throw new Error(`CI=true and a data-backed suite cannot run: ${reason}`);
  }
  return reason;
}
