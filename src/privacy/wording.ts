/**
 * Plain-language wording of access-log actions for citizens: "A caseworker looked at your application" reads
 * better than `case.viewed`. Unknown actions fall back to a readable form of the code, never to nothing.
 */
const ACTIONS: Record<string, string> = {
  'case.viewed': 'Looked at your application',
  'case.events.viewed': 'Looked at the history of your application',
  'task.viewed': 'Opened a task about your application',
  'identifier.read': 'Read your identity number',
  'api.process-instance.read': 'Another organisation\'s system read your application',
  'api.process-instance.events.read': 'Another organisation\'s system read the history of your application',
  'api.task.read': 'Another organisation\'s system read a task about your application',
  'registry.population.read': 'Checked your details in the population register',
  'registry.business.read': 'Checked a business register entry linked to you',
  'registry.population.household-member.read': 'Read your details in the population register because someone in your household made a claim',
  'registry.business.representation.read': 'Checked in the business register which businesses you represent',
  'personal-record.read': 'Looked at your details from a register',
  'exchange.disclosed': 'Sent details of your application to another organisation\'s system',
};

export function describeAction(action: string): string {
  const known = ACTIONS[action];
  if (known) return known;
  const words = action.replace(/[._-]+/g, ' ').trim();
  return words.length > 0 ? words.charAt(0).toUpperCase() + words.slice(1) : 'Used your data';
}

const PURPOSES: Record<string, string> = {
  'case handling': 'To handle your application',
  'case-handling': 'To handle your application',
  'eligibility check': 'To check whether you qualify',
  'audit': 'To check that your data was handled correctly',
};

export function describePurpose(purpose: string): string {
  return PURPOSES[purpose.toLowerCase()] ?? purpose;
}
