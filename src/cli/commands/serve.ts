import path from 'node:path';
import { deploymentMode, loadConfig, masterKeyRefusal, productionRefusal } from '../../kernel/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { openGovflow, startServer } from '../compose.js';
import { tuneHeapForServing } from '../server-heap.js';
import { seedDemo } from '../demo.js';
import { DEMO_FIRE_MEMBER, FIRE_SERVICE_CATALOGUE } from '../demo-exchange.js';
import type { Command } from '../command.js';

export const command: Command = {
  usage: 'govflow serve [--port 3000] [--host 127.0.0.1] [--no-demo] [--production] [--demo fire-service]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { port: { type: 'string' }, host: { type: 'string' }, 'no-demo': { type: 'boolean' }, production: { type: 'boolean' }, demo: { type: 'string' } });
    if (values.demo !== undefined && values.demo !== 'fire-service') {
      console.error(`govflow serve: --demo '${values.demo}' is not a demo; the one there is: --demo fire-service`);
      return 2;
    }
    // The demo pair (docs/exchange.md): the regional fire service next to the city, in <data dir>/fire-service on
    // port 3001, an X-Road member of its own that finds the city through <data dir>/exchange-directory.
    const fireService = values.demo === 'fire-service';
    if (fireService) {
      process.env['GOVFLOW_AGENCY'] ??= 'regional-fire-service';
      process.env['GOVFLOW_AGENCY_NAME'] ??= 'Regional Fire Service';
      process.env['GOVFLOW_EXCHANGE_MEMBER'] ??= DEMO_FIRE_MEMBER;
      // The fire service looks nothing up in the population register; the city's process runs the simulator.
      process.env['GOVFLOW_REGISTRY'] ??= 'off';
    }
    // Production (or GOVFLOW_ENV=production) refuses demo settings before anything is opened: one line, the setting.
    const mode = deploymentMode(process.env, { production: values.production === true, noDemo: values['no-demo'] === true });
    const refusal = productionRefusal(mode);
    if (refusal) {
      console.error(`govflow serve: ${refusal}`);
      return 2;
    }
    const base = loadConfig();
    const keyRefusal = masterKeyRefusal(base, mode.production);
    if (keyRefusal) {
      console.error(`govflow serve: ${keyRefusal}`);
      return 2;
    }
    if (fireService && (mode.production || !mode.demoAccounts)) {
      console.error('govflow serve: --demo fire-service is a demo; it cannot run with --production or --no-demo');
      return 2;
    }
    const pairDirectory = path.join(base.dataDir, 'exchange-directory');
    const config = {
      ...base, ...(fireService ? { dataDir: path.join(base.dataDir, 'fire-service'), port: 3001, databaseUrl: undefined } : {}),
      ...(values.port === undefined ? {} : { port: numberFlag('--port', values.port, 0, { min: 0, max: 65535, integer: true }) }), ...(values.host ? { host: values.host } : {}),
    };
    tuneHeapForServing();
    const govflow = await openGovflow({ config });
    if (mode.demoAccounts && !fireService) {
      const seeded = await seedDemo(govflow.engine);
      if (seeded.length > 0) govflow.logger.info({ processes: seeded }, 'deployed the demo municipality\'s processes');
    }
    const exchangeOn = process.env['GOVFLOW_EXCHANGE'] !== 'off';
    const running = await startServer(govflow, {
      mode,
      ...(fireService ? { servicesDir: FIRE_SERVICE_CATALOGUE } : {}),
      ...(mode.demoAccounts && exchangeOn ? { exchange: { pair: { directory: pairDirectory, role: fireService ? 'fire-service' as const : 'city' as const } } } : {}),
    }).catch(async (error: unknown) => {
      await govflow.close();
      throw error;
    });
    console.log(`govflow is running at ${running.url}  (${mode.production ? 'production' : 'demo'}; database: ${govflow.db.backend === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL server'})`);
    console.log(`  API description: ${running.url}/api/openapi.json`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await running.stop();
    await govflow.close();
    return 0;
  },
};
