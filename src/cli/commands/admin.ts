import { GovflowError, loadConfig } from '../../kernel/index.js';
import { createAdministrator, disableDemoAccounts, ENROLMENT_VALID_MS, issueEnrolment, staffIdOfUsername } from '../../identity/index.js';
import { openDatabaseFromConfig } from '../../store/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow admin <command>
  create --email E --name N [--username U]   create an administrator and print a one-time enrolment link
  enrol --username U                          print a new enrolment link for an existing account (the old one stops working)
  disable-demo                                deactivate the demo staff accounts (needed before production mode starts)
The link is valid for ${ENROLMENT_VALID_MS / 3600_000} hours and works once: its holder sets a password and adds an authenticator app or a passkey.
The agency of a new organisation is GOVFLOW_AGENCY / GOVFLOW_AGENCY_NAME.`;

const usage = (message: string): GovflowError => new GovflowError('GOVFLOW_ERR_VALIDATION', `${message}\n${USAGE}`);

/** `govflow admin`: the first administrator of a real deployment, enrolment links, retiring the demo accounts. */
export const command: Command = {
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values } = parseCommandArgs(rest, { email: { type: 'string' }, name: { type: 'string' }, username: { type: 'string' } });
    if (sub !== 'create' && sub !== 'enrol' && sub !== 'disable-demo') throw usage(`unknown admin command '${sub ?? ''}'`);
    if (sub === 'create' && (!values.email || !values.name)) throw usage('admin create needs --email and --name');
    if (sub === 'enrol' && !values.username) throw usage('admin enrol needs --username');
    const config = loadConfig();
    const db = await openDatabaseFromConfig(config);
    try {
      const base = (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/$/, '');
      if (sub === 'disable-demo') {
        const disabled = await disableDemoAccounts(db, 'system:cli');
        console.log(disabled.length > 0 ? `deactivated the demo staff accounts: ${disabled.join(', ')}` : 'no demo staff account is active');
        return 0;
      }
      let staffId: string;
      let link: { token: string; expiresAt: Date };
      if (sub === 'create') {
        const created = await createAdministrator(db, {
          email: values.email!, name: values.name!, ...(values.username ? { username: values.username } : {}),
          agency: { id: process.env['GOVFLOW_AGENCY'] ?? 'agency', name: process.env['GOVFLOW_AGENCY_NAME'] ?? 'Agency' },
        }, 'system:cli');
        staffId = created.staffId;
        link = created;
      } else {
        const found = await staffIdOfUsername(db, values.username!);
        if (!found) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', `--username: no staff account '${values.username}'`);
        staffId = found;
        link = await issueEnrolment(db, staffId, 'system:cli');
      }
      console.log(`administrator account: ${staffId}`);
      console.log(`one-time enrolment link (valid until ${link.expiresAt.toISOString()}, works once; give it only to ${staffId}):`);
      console.log(`${base}/staff/enrol/${link.token}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
