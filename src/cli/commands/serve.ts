import { loadConfig } from '../../kernel/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { openGovflow, startServer } from '../compose.js';
import { seedDemo } from '../demo.js';
import type { Command } from '../command.js';

export const command: Command = {
  usage: 'govflow serve [--port 3000] [--host 127.0.0.1] [--no-demo]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { port: { type: 'string' }, host: { type: 'string' }, 'no-demo': { type: 'boolean' } });
    const base = loadConfig();
    const config = { ...base, ...(values.port === undefined ? {} : { port: numberFlag('--port', values.port, 0, { min: 0, max: 65535, integer: true }) }), ...(values.host ? { host: values.host } : {}) };
    const govflow = await openGovflow({ config });
    if (!values['no-demo']) {
      const seeded = await seedDemo(govflow.engine);
      if (seeded.length > 0) govflow.logger.info({ processes: seeded }, 'deployed the demo municipality\'s processes');
    }
    const running = await startServer(govflow, { demo: !values['no-demo'] });
    console.log(`govflow is running at ${running.url}  (database: ${govflow.db.backend === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL server'})`);
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
