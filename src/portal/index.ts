/** The citizen portal: server-rendered GOV.UK-style pages over the catalogue and the engine's public API. */
export { createPortalPlugin, DEMO_CITIZENS } from './portal-plugin.js';
export type { PortalOptions } from './portal-plugin.js';
