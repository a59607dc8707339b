import type { Command } from '../index.js';

// Placeholder until its module lands; it says so instead of pretending to work.
export const command: Command = {
  summary: '(not available yet)',
  usage: 'govflow mine',
  async run() {
    console.error('govflow mine: not available yet');
    return 1;
  },
};
