import { deploymentMode, loadConfig, masterKeyRefusal, productionRefusal } from '../../kernel/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { openGovflow, startServer } from '../compose.js';
import { seedDemo } from '../demo.js';
import type { Command } from '../command.js';

export const command: Command = {
  usage: 'govflow serve [--port 3000] [--host 127.0.0.1] [--no-demo] [--production]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { port: { type: 'string' }, host: { type: 'string' }, 'no-demo': { type: 'boolean' }, production: { type: 'boolean' } });
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
    const config = { ...base, ...(values.port === undefined ? {} : { port: numberFlag('--port', values.port, 0, { min: 0, max: 65535, integer: true }) }), ...(values.host ? { host: values.host } : {}) };
    const govflow = await openGovflow({ config });
    if (mode.demoAccounts) {
      const seeded = await seedDemo(govflow.engine);
      if (seeded.length > 0) govflow.logger.info({ processes: seeded }, 'deployed the demo municipality\'s processes');
    }
    const running = await startServer(govflow, { mode }).catch(async (error: unknown) => {
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
