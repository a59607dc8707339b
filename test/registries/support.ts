import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

/** A fresh database with every migration, as the server runs it. */
export async function registriesDatabase(backend: Backend): Promise<Database> {
  return freshDatabase(backend);
}
