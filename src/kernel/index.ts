/** The shared kernel: coded errors, logging and configuration. Every other folder may import it; it imports none. */
export { ERROR_CATALOGUE, GovflowError, isGovflowError, toGovflowError } from './errors.js';
export type { ErrorCode, ErrorDetail, ErrorKind, ErrorSpec } from './errors.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export { loadConfig, masterKeyRefusal, readMasterKeyFile, resolveMasterKey } from './config.js';
export { openSecret, resealSecret, sealSecret } from './secret-box.js';
export type { GovflowConfig } from './config.js';
export { deploymentMode, productionRefusal, trustProxySetting } from './mode.js';
export type { DeploymentMode, TrustProxy } from './mode.js';
export { addDuration, isIsoPeriod, isoPeriod, parseIsoCycle, parseIsoDate, parseIsoDuration } from './iso-time.js';
export type { IsoCycle, IsoDuration } from './iso-time.js';
export { safeEqual } from './safe-equal.js';
export { personalData, personalDataOf } from './personal-data-use.js';
export type { PersonalDataUse } from './personal-data-use.js';
