/**
 * Administration (`/admin/…`, role admin): deploy and version processes and decisions (upload or the bpmn-js
 * modeller), edit the catalogue and its question-page forms (form-js editor) as stored versions, and manage
 * departments, staff accounts and memberships.
 */
export { createAdminPlugin, deploymentProblems } from './admin-plugin.js';
export { EDITOR_CSP } from './admin-context.js';
export type { AdminOptions } from './admin-plugin.js';
export { ADMIN_ASSETS, readAdminAsset } from './admin-assets.js';
