/** Other agencies' registries (once-only principle): signed lookups that prefill a case. See docs/registries.md. */
export { createRegistryLookupHandler, REGISTRIES } from './connector.js';
export type { PersonalDataRead, RegistryConnectorOptions, RegistryName } from './connector.js';
export { loadOrCreateClientKey, rewrapClientKeys } from './client-key.js';
export { startAgencySimulator } from './simulator-process.js';
export { setUpRegistryConnector } from './setup.js';
export type { RegistryConnectorSetup } from './setup.js';
export type { RunningSimulator } from './simulator-process.js';
export {
  PURPOSE_HEADER, REQUEST_SIGNATURE_HEADER, RESPONSE_SIGNATURE_HEADER, bodyDigest, exportPrivateKey, exportPublicKey, formatSignatureHeader,
  generateSigningKey, importPrivateKey, importPublicKey, parseSignatureHeader, requestSignatureBase, responseSignatureBase, signRequest,
  signResponse, verifyResponse,
} from './signature.js';
export type { SignatureParams, SigningKey } from './signature.js';
