/**
 * Which module owns each table, view and sequence the migrations create (issue 14). A module's SQL names only the
 * relations it owns, the relations an owner exports to everyone (`exported`), and those granted to it below, each
 * grant with its reason; `test/architecture/table-ownership.test.ts` reads every SQL string in src/ and fails on
 * anything else, and on a migrated relation missing here.
 *
 * One manifest beside the migrations rather than a `tables.ts` per module: the migrations are one numbered
 * sequence in this folder (0006 and 0008 create tables of two modules each), so the migration and the lines that
 * say who owns its tables land in the same diff and are reviewed together; and the store, the lowest floor but
 * the kernel, is the one place every module may read without new import edges. A module that needs another's rows
 * calls the owner's exported function or embeds the owner's exported SQL fragment (written in the owner's file,
 * so the test sees it there), e.g. `instanceWithEventsJson` in engine/ or `portalPersonalData.subjectOfCaseSql` in portal/.
 */
export type Access = 'read' | 'write';

export interface TableOwnership {
  readonly owner: string;
  /** A relation the owner offers to every module for reading (a view shaped as a public contract). */
  readonly exported?: true;
  /** Other modules allowed to name it, and why; `write` includes read. */
  readonly grants?: Readonly<Record<string, { readonly access: Access; readonly why: string }>>;
}

const engine = (extra: Omit<TableOwnership, 'owner'> = {}): TableOwnership => ({ owner: 'engine', ...extra });

export const TABLE_OWNERS: Readonly<Record<string, TableOwnership>> = {
  // store: the migration bookkeeping.
  govflow_migration: { owner: 'store' },
  // 0001 engine: deployments, definitions, instances and what they wait for.
  deployment: engine(),
  deployment_resource: engine(),
  process_definition: engine(),
  decision_definition: engine(),
  process_instance: engine({ grants: { cli: { access: 'write', why: '`bench transparency` seeds a million events of bulk cases in one statement per chunk; a benchmark fixture, never run by the server' } } }),
  job: engine(),
  user_task: engine(),
  event_subscription: engine(),
  message_buffer: engine(),
  incident: engine(),
  event_log: engine({ grants: {
    store: { access: 'write', why: 'appendEvent: platform events without an instance (sign-ins, role changes, access records) join the same spine, below the engine' },
    ledger: { access: 'write', why: 'the ledger seals the raw rows in transaction-id order and performs the lawful erasure of an event\'s data that keeps its Merkle proofs valid' },
    cli: { access: 'write', why: '`bench ledger` seeds a million events in one statement; a benchmark fixture, never run by the server' },
  } }),
  process_event: engine({ exported: true }),
  // 0002 portal (its portal_session table was dropped by 0018: sessions are identity's).
  portal_draft: { owner: 'portal' },
  portal_submission: { owner: 'portal' },
  portal_reference_seq: { owner: 'portal' },
  // 0003 + 0012 ledger.
  ledger_state: { owner: 'ledger' },
  ledger_leaf: { owner: 'ledger', grants: { cli: { access: 'read', why: '`bench ledger` reports the sealed range it measured' } } },
  ledger_node: { owner: 'ledger' },
  ledger_key: { owner: 'ledger' },
  ledger_tree_head: { owner: 'ledger' },
  ledger_erasure: { owner: 'ledger' },
  ledger_block: { owner: 'ledger' },
  // 0004 identity.
  identity_agency: { owner: 'identity' },
  identity_department: { owner: 'identity' },
  identity_staff: { owner: 'identity' },
  identity_membership: { owner: 'identity' },
  identity_person: { owner: 'identity' },
  identity_person_business: { owner: 'identity' },
  identity_session: { owner: 'identity' },
  identity_api_client: { owner: 'identity' },
  identity_sign_in_attempt: { owner: 'identity' },
  // 0013 identity: passkeys and one-time enrolment links.
  identity_passkey: { owner: 'identity' },
  identity_enrolment: { owner: 'identity' },
  // 0005 documents.
  signing_key: { owner: 'documents' },
  signed_decision: { owner: 'documents' },
  // 0006 registries and notifications.
  registry_client_key: { owner: 'registries' },
  notification_outbox: { owner: 'notifications' },
  // 0007 privacy.
  personal_data_access: { owner: 'privacy' },
  privacy_data_key: { owner: 'privacy' },
  privacy_identifier: { owner: 'privacy' },
  privacy_erasure: { owner: 'privacy' },
  // 0016 personal records in the vault.
  privacy_record: { owner: 'privacy' },
  // 0008 payments, and the citizens' uploads (the portal stores them; staff read them through the portal's functions).
  payment: { owner: 'payments' },
  payment_test_session: { owner: 'payments' },
  payment_schedule: { owner: 'payments' },
  case_upload: { owner: 'portal' },
  // 0009 the catalogue's stored versions (the admin pages edit them through the catalogue).
  admin_service_version: { owner: 'catalogue' },
  admin_form_version: { owner: 'catalogue' },
  // 0025 second-admin reviews of service drafts (the publishing workflow).
  admin_service_review: { owner: 'catalogue' },
  // 0014 the whole server's rate limits (counters shared by every process).
  rate_limit_counter: { owner: 'operations' },
  // 0019 citizen engagement: problem reports (Open311 and the citizen page), clients' updates, uploaded photos.
  engagement_report_seq: { owner: 'engagement' },
  engagement_report: { owner: 'engagement' },
  engagement_update: { owner: 'engagement' },
  engagement_photo: { owner: 'engagement' },
  // 0022 engagement: triage corrections, satisfaction feedback, formal complaints.
  engagement_triage_correction: { owner: 'engagement' },
  engagement_feedback: { owner: 'engagement' },
  engagement_complaint: { owner: 'engagement' },
  // 0023 proposals, supports, debates, comments, abuse reports (moderation is on the event log).
  engagement_participant: { owner: 'engagement' },
  engagement_proposal: { owner: 'engagement' },
  engagement_support: { owner: 'engagement' },
  engagement_debate: { owner: 'engagement' },
  engagement_comment: { owner: 'engagement' },
  engagement_abuse_report: { owner: 'engagement' },
  // 0020 projectors' cursors (store/projector.ts) and transparency's read model (issue 17).
  projector_cursor: { owner: 'store' },
  transparency_case: { owner: 'transparency' },
  // 0021 spending and contracts (imported), fees and benefits (projected) for the transparency pages (issue 17).
  transparency_spending: { owner: 'transparency' },
  transparency_contract: { owner: 'transparency' },
  transparency_fee: { owner: 'transparency' },
  transparency_benefit: { owner: 'transparency' },
  // 0026 project timelines: projects, milestones and their public updates (issue 17).
  transparency_project: { owner: 'transparency' },
  transparency_milestone: { owner: 'transparency' },
  transparency_project_update: { owner: 'transparency' },
  // 0024 updates to citizens (issue 18): news per service, department or project, and e-mail subscriptions to them.
  engagement_news: { owner: 'engagement' },
  engagement_subscription: { owner: 'engagement' },
  // 0027 the workbench's case search (issue 20): its projector's read model and staff's saved searches.
  workbench_case_index: { owner: 'workbench' },
  workbench_saved_filter: { owner: 'workbench' },
  // 0028 the assistant (issue 19): conversations and their messages (texts sealed in the vault).
  assistant_conversation: { owner: 'assistant' },
  assistant_message: { owner: 'assistant' },
  // 0030 sensors (issue 22): latest state per asset, month-partitioned readings, hourly aggregates, rule-opened cases.
  sensor_entity: { owner: 'sensors' },
  sensor_observation: { owner: 'sensors', grants: { cli: { access: 'write', why: '`bench sensors` seeds millions of readings in bulk statements; a benchmark fixture, never run by the server' } } },
  sensor_observation_default: { owner: 'sensors' },
  sensor_hourly: { owner: 'sensors' },
  sensor_case: { owner: 'sensors' },
  // 0031 exchange between agencies (issue 25): member key, trusted peers, published services, access rights, message log.
  exchange_member_key: { owner: 'exchange' },
  exchange_peer: { owner: 'exchange' },
  exchange_service: { owner: 'exchange' },
  exchange_access: { owner: 'exchange' },
  exchange_message: { owner: 'exchange' },
};

/** Whether `module` may name `relation` with `access`; true for relations no migration creates (CTEs, temp tables). */
export function mayUseRelation(module: string, relation: string, access: Access): boolean {
  const table = Object.hasOwn(TABLE_OWNERS, relation) ? TABLE_OWNERS[relation] : undefined;
  if (!table || table.owner === module) return true;
  if (table.exported && access === 'read') return true;
  const grant = table.grants?.[module];
  return grant !== undefined && (grant.access === 'write' || access === 'read');
}
