/** The citizen portal: server-rendered GOV.UK-style pages over the catalogue and the engine's public API. */
export { createPortalPlugin, DEMO_CITIZENS } from './portal-plugin.js';
export type { PortalOptions } from './portal-plugin.js';
export { checkUpload, displayFilename, listUploads } from './uploads.js';
export type { CheckedUpload, StoredUpload } from './uploads.js';
