import type { Command } from '../index.js';

// Placeholder until the engine lands; it says so instead of pretending to work.
export const command: Command = {
  summary: '(not available yet)',
  usage: 'govflow start',
  async run() {
    console.error('govflow start: not available yet');
    return 1;
  },
};
