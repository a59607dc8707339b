/**
 * Sensors (issue 22): smart-city observations in the city's standards (NGSI-LD, the FIWARE Smart Data Models, MQTT)
 * stored once in month partitions with the latest state per asset, and rules (DMN) that open and close cases.
 * Other modules use only what this file exports.
 */
export { MODEL_TYPES, modelTypeOf } from './models.js';
export type { ModelType } from './models.js';
export { formatEntity, NgsiLdProblem, parseBatch, parseEntity, representationOf } from './ngsi-ld.js';
export type { Attribute, ProblemDetails, Representation, SensorEntity } from './ngsi-ld.js';
export { applyRetention, queryEntities, readEntity, readHourly, readSeries } from './observation-store.js';
export type { HourlyPoint, SeriesPoint } from './observation-store.js';
export { createSensors } from './sensors.js';
export type { IngestResult, Sensors } from './sensors.js';
export { createSensorsPlugin, SENSORS_SCOPE } from './plugin.js';
export type { SensorsAuthorise } from './ngsi-ld-routes.js';
export { parseQ } from './ngsi-ld-routes.js';
export { attachRules, createRules, loadRules, readingContext, SENSOR_ALARM_PROCESS, SENSOR_RECOVERED_MESSAGE } from './rules.js';
export type { Condition, Rules, RulesOptions } from './rules.js';
export { casesOf } from './observation-store.js';
export type { AssetCase } from './observation-store.js';
export { connectToBroker, ingestMessage, MQTT_TOPIC, startEmbeddedBroker } from './mqtt.js';
export type { MqttIngest } from './mqtt.js';
export { DEMO_CITY_CENTRE, demoAssets, simulateCity, simulatedReading } from './simulation.js';
export type { CitySimulation, DemoAsset } from './simulation.js';
export { SEED_INTERVAL_MINUTES, seedSeries, sensorCounts } from './bench-seed.js';
export type { SeededSeries } from './bench-seed.js';
