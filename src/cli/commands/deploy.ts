import type { Command } from '../index.js';

// Placeholder until the engine lands; it says so instead of pretending to work.
export const command: Command = {
  summary: '(not available yet)',
  usage: 'govflow deploy',
  async run() {
    console.error('govflow deploy: not available yet');
    return 1;
  },
};
