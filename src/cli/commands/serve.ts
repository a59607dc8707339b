import { parseArgs } from 'node:util';
import { loadConfig } from '../../kernel/index.js';
import { openGovflow, startServer } from '../compose.js';
import { seedDemo } from '../demo.js';
import type { Command } from '../index.js';

export const command: Command = {
  summary: 'run the API and the background workers (embedded database in ./data unless GOVFLOW_DATABASE_URL is set)',
  usage: 'govflow serve [--port 3000] [--host 127.0.0.1] [--no-demo]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, 'no-demo': { type: 'boolean' } } });
    const base = loadConfig();
    const config = { ...base, ...(values.port ? { port: Number(values.port) } : {}), ...(values.host ? { host: values.host } : {}) };
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
