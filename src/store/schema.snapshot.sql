table admin_form_version
  column service_id text not null
  column page_id text not null
  column version integer not null
  column checksum text not null
  column schema text not null
  column actor text
  column created_at timestamp with time zone not null default now()
  constraint admin_form_version_pkey PRIMARY KEY (service_id, page_id, version)
  constraint admin_form_version_version_check CHECK ((version > 0))
  CREATE INDEX admin_form_version_checksum ON admin_form_version USING btree (service_id, page_id, checksum)
  CREATE UNIQUE INDEX admin_form_version_pkey ON admin_form_version USING btree (service_id, page_id, version)
table admin_service_review
  column service_id text not null
  column version integer not null
  column decision text not null
  column actor text not null
  column note text not null default ''::text
  column created_at timestamp with time zone not null default now()
  constraint admin_service_review_decision_check CHECK ((decision = ANY (ARRAY['approved'::text, 'returned'::text])))
  constraint admin_service_review_pkey PRIMARY KEY (service_id, version)
  constraint admin_service_review_service_id_version_fkey FOREIGN KEY (service_id, version) REFERENCES admin_service_version(service_id, version)
  CREATE UNIQUE INDEX admin_service_review_pkey ON admin_service_review USING btree (service_id, version)
table admin_service_version
  column service_id text not null
  column version integer not null
  column fields jsonb not null
  column actor text
  column created_at timestamp with time zone not null default now()
  column draft boolean not null default false
  constraint admin_service_version_pkey PRIMARY KEY (service_id, version)
  constraint admin_service_version_version_check CHECK ((version > 0))
  CREATE UNIQUE INDEX admin_service_version_pkey ON admin_service_version USING btree (service_id, version)
table assistant_conversation
  column id text not null
  column number bigint not null
  column citizen_id text
  column language text not null default 'en'::text
  column context text
  column started_at timestamp with time zone not null default now()
  column last_at timestamp with time zone not null default now()
  column department text
  column enquiry_instance_id bigint
  constraint assistant_conversation_number_key UNIQUE (number)
  constraint assistant_conversation_pkey PRIMARY KEY (id)
  CREATE INDEX assistant_conversation_citizen ON assistant_conversation USING btree (citizen_id, last_at DESC)
  CREATE INDEX assistant_conversation_last ON assistant_conversation USING btree (last_at)
  CREATE UNIQUE INDEX assistant_conversation_number_key ON assistant_conversation USING btree (number)
  CREATE UNIQUE INDEX assistant_conversation_pkey ON assistant_conversation USING btree (id)
table assistant_message
  column id bigint not null
  column conversation_id text not null
  column role text not null
  column kind text
  column body text not null
  column service_id text
  column rating text
  column created_at timestamp with time zone not null default now()
  constraint assistant_message_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES assistant_conversation(id) ON DELETE CASCADE
  constraint assistant_message_kind_check CHECK ((kind = ANY (ARRAY['answer'::text, 'status'::text, 'handover'::text, 'decline'::text, 'clarify'::text])))
  constraint assistant_message_pkey PRIMARY KEY (id)
  constraint assistant_message_rating_check CHECK ((rating = ANY (ARRAY['helpful'::text, 'not-helpful'::text])))
  constraint assistant_message_role_check CHECK ((role = ANY (ARRAY['citizen'::text, 'assistant'::text])))
  CREATE INDEX assistant_message_conversation ON assistant_message USING btree (conversation_id, id)
  CREATE UNIQUE INDEX assistant_message_pkey ON assistant_message USING btree (id)
table case_upload
  column id bigint not null default nextval('case_upload_id_seq'::regclass)
  column reference text
  column owner text not null
  column service_id text not null
  column upload_key text not null
  column filename text not null
  column media_type text not null
  column size_bytes integer not null
  column sha256 text not null
  column content bytea not null
  column created_at timestamp with time zone not null
  constraint case_upload_media_type_check CHECK ((media_type = ANY (ARRAY['application/pdf'::text, 'image/png'::text, 'image/jpeg'::text])))
  constraint case_upload_pkey PRIMARY KEY (id)
  constraint case_upload_sha256_check CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text))
  constraint case_upload_size_bytes_check CHECK ((size_bytes > 0))
  CREATE INDEX case_upload_draft ON case_upload USING btree (owner, service_id) WHERE (reference IS NULL)
  CREATE UNIQUE INDEX case_upload_pkey ON case_upload USING btree (id)
  CREATE INDEX case_upload_reference ON case_upload USING btree (reference)
table decision_definition
  column id bigint not null default nextval('decision_definition_id_seq'::regclass)
  column key text not null
  column version integer not null
  column name text
  column checksum text not null
  column deployment_id bigint not null
  column resource_id bigint not null
  column deployed_at timestamp with time zone not null default now()
  column version_tag text
  constraint decision_definition_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES deployment(id)
  constraint decision_definition_key_version_key UNIQUE (key, version)
  constraint decision_definition_pkey PRIMARY KEY (id)
  constraint decision_definition_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES deployment_resource(id)
  constraint decision_definition_version_check CHECK ((version > 0))
  CREATE UNIQUE INDEX decision_definition_key_version_key ON decision_definition USING btree (key, version)
  CREATE UNIQUE INDEX decision_definition_pkey ON decision_definition USING btree (id)
  CREATE INDEX decision_definition_version_tag ON decision_definition USING btree (key, version_tag, version) WHERE (version_tag IS NOT NULL)
table deployment
  column id bigint not null default nextval('deployment_id_seq'::regclass)
  column name text not null
  column created_at timestamp with time zone not null default now()
  constraint deployment_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX deployment_pkey ON deployment USING btree (id)
table deployment_resource
  column id bigint not null default nextval('deployment_resource_id_seq'::regclass)
  column deployment_id bigint not null
  column name text not null
  column kind text not null
  column checksum text not null
  column content text not null
  constraint deployment_resource_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES deployment(id)
  constraint deployment_resource_kind_check CHECK ((kind = ANY (ARRAY['bpmn'::text, 'dmn'::text, 'form'::text, 'other'::text])))
  constraint deployment_resource_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX deployment_resource_pkey ON deployment_resource USING btree (id)
table engagement_abuse_report
  column id bigint not null
  column target_kind text not null
  column target_id bigint not null
  column reporter_id text not null
  column reason text not null
  column created_at timestamp with time zone not null default now()
  column resolved_at timestamp with time zone
  constraint engagement_abuse_report_pkey PRIMARY KEY (id)
  constraint engagement_abuse_report_target_kind_check CHECK ((target_kind = ANY (ARRAY['proposal'::text, 'debate'::text, 'comment'::text])))
  constraint engagement_abuse_report_target_kind_target_id_reporter_id_key UNIQUE (target_kind, target_id, reporter_id)
  CREATE INDEX engagement_abuse_open ON engagement_abuse_report USING btree (resolved_at, created_at)
  CREATE UNIQUE INDEX engagement_abuse_report_pkey ON engagement_abuse_report USING btree (id)
  CREATE UNIQUE INDEX engagement_abuse_report_target_kind_target_id_reporter_id_key ON engagement_abuse_report USING btree (target_kind, target_id, reporter_id)
table engagement_comment
  column id bigint not null
  column debate_id bigint not null
  column parent_id bigint
  column citizen_id text
  column staff_id text
  column staff_name text
  column department text
  column body text not null
  column hidden_at timestamp with time zone
  column hidden_reason text
  column created_at timestamp with time zone not null default now()
  constraint engagement_comment_check CHECK (((citizen_id IS NULL) <> (staff_id IS NULL)))
  constraint engagement_comment_citizen_id_fkey FOREIGN KEY (citizen_id) REFERENCES engagement_participant(citizen_id)
  constraint engagement_comment_debate_id_fkey FOREIGN KEY (debate_id) REFERENCES engagement_debate(id)
  constraint engagement_comment_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES engagement_comment(id)
  constraint engagement_comment_pkey PRIMARY KEY (id)
  CREATE INDEX engagement_comment_author ON engagement_comment USING btree (citizen_id, created_at)
  CREATE INDEX engagement_comment_debate ON engagement_comment USING btree (debate_id, id)
  CREATE UNIQUE INDEX engagement_comment_pkey ON engagement_comment USING btree (id)
table engagement_complaint
  column id bigint not null default nextval('engagement_complaint_id_seq'::regclass)
  column subject_kind text not null
  column subject text not null
  column department text not null
  column description text not null
  column contact text
  column citizen_id text not null
  column instance_id bigint
  column made_at timestamp with time zone not null default now()
  constraint engagement_complaint_pkey PRIMARY KEY (id)
  constraint engagement_complaint_subject_kind_check CHECK ((subject_kind = ANY (ARRAY['case'::text, 'service'::text])))
  CREATE INDEX engagement_complaint_citizen ON engagement_complaint USING btree (citizen_id, id DESC)
  CREATE UNIQUE INDEX engagement_complaint_pkey ON engagement_complaint USING btree (id)
  CREATE INDEX engagement_complaint_time ON engagement_complaint USING btree (made_at)
table engagement_debate
  column id bigint not null
  column topic text not null
  column proposal_id bigint
  column citizen_id text
  column title text not null
  column body text not null default ''::text
  column hidden_at timestamp with time zone
  column hidden_reason text
  column created_at timestamp with time zone not null default now()
  constraint engagement_debate_citizen_id_fkey FOREIGN KEY (citizen_id) REFERENCES engagement_participant(citizen_id)
  constraint engagement_debate_pkey PRIMARY KEY (id)
  constraint engagement_debate_proposal_id_fkey FOREIGN KEY (proposal_id) REFERENCES engagement_proposal(id)
  constraint engagement_debate_proposal_id_key UNIQUE (proposal_id)
  CREATE UNIQUE INDEX engagement_debate_pkey ON engagement_debate USING btree (id)
  CREATE UNIQUE INDEX engagement_debate_proposal_id_key ON engagement_debate USING btree (proposal_id)
  CREATE INDEX engagement_debate_topic ON engagement_debate USING btree (topic, created_at DESC)
table engagement_feedback
  column id bigint not null default nextval('engagement_feedback_id_seq'::regclass)
  column subject text not null
  column rating smallint not null
  column comment text not null default ''::text
  column citizen_id text not null
  column given_at timestamp with time zone not null default now()
  constraint engagement_feedback_pkey PRIMARY KEY (id)
  constraint engagement_feedback_rating_check CHECK (((rating >= 1) AND (rating <= 5)))
  constraint engagement_feedback_subject_citizen_id_key UNIQUE (subject, citizen_id)
  CREATE UNIQUE INDEX engagement_feedback_pkey ON engagement_feedback USING btree (id)
  CREATE UNIQUE INDEX engagement_feedback_subject_citizen_id_key ON engagement_feedback USING btree (subject, citizen_id)
  CREATE INDEX engagement_feedback_time ON engagement_feedback USING btree (given_at)
table engagement_news
  column id bigint not null default nextval('engagement_news_id_seq'::regclass)
  column topic_kind text not null
  column topic_id text not null
  column title text not null
  column summary text not null
  column body text not null
  column author_id text not null
  column author_name text not null
  column published_at timestamp with time zone not null default now()
  constraint engagement_news_pkey PRIMARY KEY (id)
  constraint engagement_news_topic_kind_check CHECK ((topic_kind = ANY (ARRAY['service'::text, 'department'::text, 'project'::text])))
  CREATE UNIQUE INDEX engagement_news_pkey ON engagement_news USING btree (id)
  CREATE INDEX engagement_news_topic ON engagement_news USING btree (topic_kind, topic_id, published_at DESC, id DESC)
table engagement_participant
  column citizen_id text not null
  column number bigint not null
  column display_name text
  column created_at timestamp with time zone not null default now()
  constraint engagement_participant_display_name_check CHECK (((display_name IS NULL) OR ((char_length(display_name) >= 2) AND (char_length(display_name) <= 40))))
  constraint engagement_participant_number_key UNIQUE (number)
  constraint engagement_participant_pkey PRIMARY KEY (citizen_id)
  CREATE UNIQUE INDEX engagement_participant_number_key ON engagement_participant USING btree (number)
  CREATE UNIQUE INDEX engagement_participant_pkey ON engagement_participant USING btree (citizen_id)
table engagement_photo
  column report_id bigint not null
  column media_type text not null
  column bytes bytea not null
  column sha256 text not null
  constraint engagement_photo_pkey PRIMARY KEY (report_id)
  constraint engagement_photo_report_id_fkey FOREIGN KEY (report_id) REFERENCES engagement_report(id)
  CREATE UNIQUE INDEX engagement_photo_pkey ON engagement_photo USING btree (report_id)
table engagement_proposal
  column id bigint not null
  column citizen_id text not null
  column topic text not null
  column department text not null
  column title text not null
  column body text not null
  column supports integer not null default 0
  column threshold integer not null
  column answer_claimed_at timestamp with time zone
  column instance_id bigint
  column hidden_at timestamp with time zone
  column hidden_reason text
  column created_at timestamp with time zone not null default now()
  constraint engagement_proposal_citizen_id_fkey FOREIGN KEY (citizen_id) REFERENCES engagement_participant(citizen_id)
  constraint engagement_proposal_pkey PRIMARY KEY (id)
  constraint engagement_proposal_threshold_check CHECK ((threshold > 0))
  CREATE INDEX engagement_proposal_instance ON engagement_proposal USING btree (instance_id)
  CREATE UNIQUE INDEX engagement_proposal_pkey ON engagement_proposal USING btree (id)
  CREATE INDEX engagement_proposal_recent ON engagement_proposal USING btree (created_at DESC, id DESC)
table engagement_report
  column id bigint not null default nextval('engagement_report_seq'::regclass)
  column token text not null
  column jurisdiction_id text not null
  column service_code text not null
  column description text not null default ''::text
  column lat double precision
  column long double precision
  column address text
  column address_id text
  column zipcode text
  column contact jsonb not null default '{}'::jsonb
  column media_url text
  column attributes jsonb not null default '{}'::jsonb
  column channel text not null
  column client_id text
  column citizen_id text
  column instance_id bigint
  column requested_at timestamp with time zone not null default now()
  column merged_into bigint
  column merged_at timestamp with time zone
  column category_guessed boolean not null default false
  constraint engagement_report_channel_check CHECK ((channel = ANY (ARRAY['open311'::text, 'web'::text])))
  constraint engagement_report_merged_into_fkey FOREIGN KEY (merged_into) REFERENCES engagement_report(id)
  constraint engagement_report_not_self CHECK (((merged_into IS NULL) OR (merged_into <> id)))
  constraint engagement_report_pkey PRIMARY KEY (id)
  constraint engagement_report_token_key UNIQUE (token)
  CREATE INDEX engagement_report_instance ON engagement_report USING btree (instance_id)
  CREATE INDEX engagement_report_merged_into ON engagement_report USING btree (merged_into) WHERE (merged_into IS NOT NULL)
  CREATE INDEX engagement_report_nearby ON engagement_report USING btree (service_code, lat, long)
  CREATE UNIQUE INDEX engagement_report_pkey ON engagement_report USING btree (id)
  CREATE UNIQUE INDEX engagement_report_token_key ON engagement_report USING btree (token)
  CREATE INDEX engagement_report_window ON engagement_report USING btree (jurisdiction_id, requested_at DESC, id DESC)
table engagement_subscription
  column id bigint not null default nextval('engagement_subscription_id_seq'::regclass)
  column topic_kind text not null
  column topic_id text not null
  column address_ref text not null
  column subject text not null
  column status text not null default 'pending'::text
  column confirm_hash text not null
  column unsubscribe_token text not null
  column created_at timestamp with time zone not null default now()
  column confirmed_at timestamp with time zone
  column ended_at timestamp with time zone
  constraint engagement_subscription_confirm_hash_key UNIQUE (confirm_hash)
  constraint engagement_subscription_pkey PRIMARY KEY (id)
  constraint engagement_subscription_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'active'::text, 'ended'::text])))
  constraint engagement_subscription_topic_kind_check CHECK ((topic_kind = ANY (ARRAY['service'::text, 'department'::text, 'project'::text])))
  constraint engagement_subscription_unsubscribe_token_key UNIQUE (unsubscribe_token)
  CREATE UNIQUE INDEX engagement_subscription_confirm_hash_key ON engagement_subscription USING btree (confirm_hash)
  CREATE UNIQUE INDEX engagement_subscription_pkey ON engagement_subscription USING btree (id)
  CREATE INDEX engagement_subscription_topic ON engagement_subscription USING btree (topic_kind, topic_id) WHERE (status = 'active'::text)
  CREATE UNIQUE INDEX engagement_subscription_unsubscribe_token_key ON engagement_subscription USING btree (unsubscribe_token)
table engagement_support
  column proposal_id bigint not null
  column citizen_id text not null
  column supported_at timestamp with time zone not null default now()
  constraint engagement_support_pkey PRIMARY KEY (proposal_id, citizen_id)
  constraint engagement_support_proposal_id_fkey FOREIGN KEY (proposal_id) REFERENCES engagement_proposal(id)
  CREATE UNIQUE INDEX engagement_support_pkey ON engagement_support USING btree (proposal_id, citizen_id)
table engagement_triage_correction
  column id bigint not null default nextval('engagement_triage_correction_id_seq'::regclass)
  column text text not null
  column category text not null
  column guessed text
  column subject text
  column staff_id text not null
  column corrected_at timestamp with time zone not null default now()
  constraint engagement_triage_correction_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX engagement_triage_correction_pkey ON engagement_triage_correction USING btree (id)
table engagement_update
  column id bigint not null default nextval('engagement_update_id_seq'::regclass)
  column report_id bigint not null
  column status text not null
  column description text not null default ''::text
  column media_url text
  column client_id text
  column external_id text
  column updated_at timestamp with time zone not null
  column recorded_at timestamp with time zone not null default now()
  constraint engagement_update_client_id_external_id_key UNIQUE (client_id, external_id)
  constraint engagement_update_pkey PRIMARY KEY (id)
  constraint engagement_update_report_id_fkey FOREIGN KEY (report_id) REFERENCES engagement_report(id)
  CREATE UNIQUE INDEX engagement_update_client_id_external_id_key ON engagement_update USING btree (client_id, external_id)
  CREATE UNIQUE INDEX engagement_update_pkey ON engagement_update USING btree (id)
  CREATE INDEX engagement_update_time ON engagement_update USING btree (updated_at)
table event_log
  column id bigint not null default nextval('event_log_id_seq'::regclass)
  column instance_id bigint
  column seq integer
  column type text not null
  column element_id text
  column element_instance text
  column actor text
  column occurred_at timestamp with time zone not null
  column data jsonb not null default '{}'::jsonb
  column tx_id xid8 not null default pg_current_xact_id()
  constraint event_log_check CHECK (((instance_id IS NULL) = (seq IS NULL)))
  constraint event_log_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES process_instance(id)
  constraint event_log_instance_id_seq_key UNIQUE (instance_id, seq)
  constraint event_log_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX event_log_instance_id_seq_key ON event_log USING btree (instance_id, seq)
  CREATE INDEX event_log_key_rotation ON event_log USING btree (((data ->> 'rotation'::text)), id) WHERE (type = ANY (ARRAY['keys.rotation-step'::text, 'keys.rotation-finished'::text]))
  CREATE UNIQUE INDEX event_log_pkey ON event_log USING btree (id)
  CREATE INDEX event_log_tx ON event_log USING btree (tx_id, id)
  CREATE INDEX event_log_type ON event_log USING btree (type, occurred_at)
table event_subscription
  column id bigint not null default nextval('event_subscription_id_seq'::regclass)
  column kind text not null
  column name text not null
  column correlation_key text
  column instance_id bigint
  column definition_id bigint not null
  column element_id text not null
  column element_instance text
  column created_at timestamp with time zone not null
  constraint event_subscription_definition_id_fkey FOREIGN KEY (definition_id) REFERENCES process_definition(id)
  constraint event_subscription_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES process_instance(id)
  constraint event_subscription_kind_check CHECK ((kind = ANY (ARRAY['message'::text, 'signal'::text])))
  constraint event_subscription_pkey PRIMARY KEY (id)
  CREATE INDEX event_subscription_instance ON event_subscription USING btree (instance_id)
  CREATE INDEX event_subscription_lookup ON event_subscription USING btree (kind, name, correlation_key)
  CREATE UNIQUE INDEX event_subscription_pkey ON event_subscription USING btree (id)
table exchange_access
  column id bigint not null default nextval('exchange_access_id_seq'::regclass)
  column service_code text not null
  column client_id text not null
  column granted_by text not null
  column granted_at timestamp with time zone not null default now()
  column revoked_by text
  column revoked_at timestamp with time zone
  constraint exchange_access_pkey PRIMARY KEY (id)
  constraint exchange_access_service_code_fkey FOREIGN KEY (service_code) REFERENCES exchange_service(service_code)
  CREATE UNIQUE INDEX exchange_access_current ON exchange_access USING btree (service_code, client_id) WHERE (revoked_at IS NULL)
  CREATE UNIQUE INDEX exchange_access_pkey ON exchange_access USING btree (id)
table exchange_member_key
  column member_id text not null
  column certificate text not null
  column private_key_box text not null
  column created_at timestamp with time zone not null default now()
  constraint exchange_member_key_pkey PRIMARY KEY (member_id)
  CREATE UNIQUE INDEX exchange_member_key_pkey ON exchange_member_key USING btree (member_id)
table exchange_message
  column id bigint not null default nextval('exchange_message_id_seq'::regclass)
  column direction text not null
  column xroad_id text not null
  column client_id text not null
  column service_id text not null
  column method text not null
  column path text not null
  column issue text
  column request_hash text not null
  column request_signature text
  column request_box text
  column status integer
  column error_type text
  column response_hash text
  column response_signature text
  column response_content_type text
  column response_box text
  column created_at timestamp with time zone not null default now()
  column answered_at timestamp with time zone
  column keep_until timestamp with time zone not null
  constraint exchange_message_direction_check CHECK ((direction = ANY (ARRAY['in'::text, 'out'::text])))
  constraint exchange_message_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX exchange_message_once ON exchange_message USING btree (direction, client_id, xroad_id) WHERE (error_type IS NULL)
  CREATE UNIQUE INDEX exchange_message_pkey ON exchange_message USING btree (id)
table exchange_peer
  column member_id text not null
  column base_url text not null
  column certificate text not null
  column fingerprint text not null
  column added_by text not null
  column added_at timestamp with time zone not null default now()
  constraint exchange_peer_pkey PRIMARY KEY (member_id)
  CREATE UNIQUE INDEX exchange_peer_pkey ON exchange_peer USING btree (member_id)
table exchange_service
  column service_code text not null
  column title text not null
  column kind text not null
  column target text not null
  column openapi jsonb not null
  column published_by text not null
  column published_at timestamp with time zone not null default now()
  constraint exchange_service_kind_check CHECK ((kind = ANY (ARRAY['start-process'::text, 'message'::text, 'case-status'::text])))
  constraint exchange_service_pkey PRIMARY KEY (service_code)
  CREATE UNIQUE INDEX exchange_service_pkey ON exchange_service USING btree (service_code)
table govflow_migration
  column id integer not null
  column name text not null
  column checksum text not null
  column applied_at timestamp with time zone not null default now()
  constraint govflow_migration_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX govflow_migration_pkey ON govflow_migration USING btree (id)
table identity_agency
  column id text not null
  column name text not null
  constraint identity_agency_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX identity_agency_pkey ON identity_agency USING btree (id)
table identity_api_client
  column id text not null
  column name text not null
  column key_prefix text not null
  column key_hash text not null
  column roles text[] not null
  column services text[] not null default '{}'::text[]
  column created_at timestamp with time zone not null default now()
  column created_by text
  column revoked_at timestamp with time zone
  constraint identity_api_client_key_hash_key UNIQUE (key_hash)
  constraint identity_api_client_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX identity_api_client_key_hash_key ON identity_api_client USING btree (key_hash)
  CREATE UNIQUE INDEX identity_api_client_pkey ON identity_api_client USING btree (id)
table identity_department
  column id text not null
  column agency_id text not null
  column name text not null
  constraint identity_department_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES identity_agency(id)
  constraint identity_department_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX identity_department_pkey ON identity_department USING btree (id)
table identity_enrolment
  column token_hash text not null
  column staff_id text not null
  column created_by text
  column created_at timestamp with time zone not null default now()
  column expires_at timestamp with time zone not null
  column used_at timestamp with time zone
  column session_hash text
  column totp_secret_sealed text
  constraint identity_enrolment_pkey PRIMARY KEY (token_hash)
  constraint identity_enrolment_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES identity_staff(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX identity_enrolment_pkey ON identity_enrolment USING btree (token_hash)
  CREATE INDEX identity_enrolment_staff ON identity_enrolment USING btree (staff_id)
table identity_membership
  column staff_id text not null
  column department_id text not null
  column role text not null
  constraint identity_membership_department_id_fkey FOREIGN KEY (department_id) REFERENCES identity_department(id)
  constraint identity_membership_pkey PRIMARY KEY (staff_id, department_id, role)
  constraint identity_membership_role_check CHECK ((role = ANY (ARRAY['caseworker'::text, 'manager'::text, 'admin'::text, 'auditor'::text])))
  constraint identity_membership_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES identity_staff(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX identity_membership_pkey ON identity_membership USING btree (staff_id, department_id, role)
table identity_passkey
  column credential_id text not null
  column staff_id text not null
  column public_key text not null
  column counter bigint not null default 0
  column transports text[] not null default '{}'::text[]
  column created_at timestamp with time zone not null default now()
  column last_used_at timestamp with time zone
  constraint identity_passkey_pkey PRIMARY KEY (credential_id)
  constraint identity_passkey_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES identity_staff(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX identity_passkey_pkey ON identity_passkey USING btree (credential_id)
  CREATE INDEX identity_passkey_staff ON identity_passkey USING btree (staff_id)
table identity_person
  column id text not null
  column issuer text not null
  column subject text not null
  column name text not null
  column email text
  column created_at timestamp with time zone not null default now()
  column language text
  constraint identity_person_issuer_subject_key UNIQUE (issuer, subject)
  constraint identity_person_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX identity_person_issuer_subject_key ON identity_person USING btree (issuer, subject)
  CREATE UNIQUE INDEX identity_person_pkey ON identity_person USING btree (id)
table identity_person_business
  column person_id text not null
  column business_code text not null
  constraint identity_person_business_person_id_fkey FOREIGN KEY (person_id) REFERENCES identity_person(id) ON DELETE CASCADE
  constraint identity_person_business_pkey PRIMARY KEY (person_id, business_code)
  CREATE UNIQUE INDEX identity_person_business_pkey ON identity_person_business USING btree (person_id, business_code)
table identity_session
  column id_hash text not null
  column csrf_token text not null
  column principal_kind text
  column principal_id text
  column pending_staff_id text
  column oidc_flow jsonb
  column created_at timestamp with time zone not null default now()
  column last_seen_at timestamp with time zone not null default now()
  column expires_at timestamp with time zone not null
  column pending_step text
  column webauthn_challenge text
  constraint identity_session_pending_step_check CHECK ((pending_step = 'new-password'::text))
  constraint identity_session_pkey PRIMARY KEY (id_hash)
  constraint identity_session_principal_kind_check CHECK ((principal_kind = ANY (ARRAY['citizen'::text, 'staff'::text])))
  CREATE INDEX identity_session_expiry ON identity_session USING btree (expires_at)
  CREATE UNIQUE INDEX identity_session_pkey ON identity_session USING btree (id_hash)
table identity_sign_in_attempt
  column id bigint not null default nextval('identity_sign_in_attempt_id_seq'::regclass)
  column account_key text not null
  column ip text not null
  column at timestamp with time zone not null default now()
  constraint identity_sign_in_attempt_pkey PRIMARY KEY (id)
  CREATE INDEX identity_sign_in_attempt_account ON identity_sign_in_attempt USING btree (account_key, at)
  CREATE INDEX identity_sign_in_attempt_ip ON identity_sign_in_attempt USING btree (ip, at)
  CREATE UNIQUE INDEX identity_sign_in_attempt_pkey ON identity_sign_in_attempt USING btree (id)
table identity_staff
  column id text not null
  column username text not null
  column name text not null
  column email text
  column password_hash text not null
  column totp_secret_sealed text
  column disabled boolean not null default false
  column created_at timestamp with time zone not null default now()
  column totp_last_step bigint
  column password_change_required boolean not null default false
  column language text
  constraint identity_staff_pkey PRIMARY KEY (id)
  constraint identity_staff_username_key UNIQUE (username)
  CREATE UNIQUE INDEX identity_staff_pkey ON identity_staff USING btree (id)
  CREATE UNIQUE INDEX identity_staff_username_key ON identity_staff USING btree (username)
table incident
  column id bigint not null default nextval('incident_id_seq'::regclass)
  column instance_id bigint not null
  column element_id text not null
  column element_instance text
  column job_id bigint
  column kind text not null
  column message text not null
  column state text not null
  column created_at timestamp with time zone not null
  column resolved_at timestamp with time zone
  constraint incident_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES process_instance(id)
  constraint incident_pkey PRIMARY KEY (id)
  constraint incident_state_check CHECK ((state = ANY (ARRAY['open'::text, 'resolved'::text])))
  CREATE INDEX incident_open ON incident USING btree (instance_id) WHERE (state = 'open'::text)
  CREATE UNIQUE INDEX incident_pkey ON incident USING btree (id)
table job
  column id bigint not null default nextval('job_id_seq'::regclass)
  column instance_id bigint
  column definition_id bigint not null
  column element_id text not null
  column element_instance text
  column kind text not null
  column type text not null
  column state text not null
  column retries integer not null
  column due_at timestamp with time zone not null
  column lock_owner text
  column lock_expires_at timestamp with time zone
  column headers jsonb not null default '{}'::jsonb
  column timer_cycle text
  column error_message text
  column created_at timestamp with time zone not null
  column idempotency_key text not null
  constraint job_definition_id_fkey FOREIGN KEY (definition_id) REFERENCES process_definition(id)
  constraint job_idempotency_key_key UNIQUE (idempotency_key)
  constraint job_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES process_instance(id)
  constraint job_kind_check CHECK ((kind = ANY (ARRAY['task'::text, 'timer'::text])))
  constraint job_pkey PRIMARY KEY (id)
  constraint job_state_check CHECK ((state = ANY (ARRAY['ready'::text, 'locked'::text, 'failed'::text])))
  CREATE UNIQUE INDEX job_idempotency_key_key ON job USING btree (idempotency_key)
  CREATE INDEX job_instance ON job USING btree (instance_id)
  CREATE INDEX job_locked ON job USING btree (lock_expires_at) WHERE (state = 'locked'::text)
  CREATE UNIQUE INDEX job_pkey ON job USING btree (id)
  CREATE INDEX job_ready ON job USING btree (kind, type, due_at) WHERE (state = 'ready'::text)
table ledger_block
  column first_leaf bigint not null
  column id_range int8range not null
  column event_ids bigint[] not null
  column data_salts bytea not null
  column data_digests bytea not null
  column leaf_hashes bytea not null
  column sealed_at timestamp with time zone not null default now()
  constraint ledger_block_check CHECK ((((cardinality(event_ids) >= 1) AND (cardinality(event_ids) <= 16)) AND ((first_leaf >> 4) = (((first_leaf + cardinality(event_ids)) - 1) >> 4))))
  constraint ledger_block_pkey PRIMARY KEY (first_leaf)
  CREATE INDEX ledger_block_ids ON ledger_block USING gist (id_range)
  CREATE UNIQUE INDEX ledger_block_pkey ON ledger_block USING btree (first_leaf)
table ledger_erasure
  column event_id bigint not null
  column erased_at timestamp with time zone not null default now()
  column reason text not null
  constraint ledger_erasure_pkey PRIMARY KEY (event_id)
  CREATE UNIQUE INDEX ledger_erasure_pkey ON ledger_erasure USING btree (event_id)
table ledger_key
  column key_id text not null
  column public_key bytea not null
  column created_at timestamp with time zone not null default now()
  constraint ledger_key_pkey PRIMARY KEY (key_id)
  CREATE UNIQUE INDEX ledger_key_pkey ON ledger_key USING btree (key_id)
view ledger_leaf
  column leaf_index bigint
  column event_id bigint
  column data_salt bytea
  column data_digest bytea
  column leaf_hash bytea
  column sealed_at timestamp with time zone
  as SELECT b.first_leaf + u.o - 1 AS leaf_index, u.event_id, SUBSTRING(b.data_salts FROM (u.o::integer - 1) * 16 + 1 FOR 16) AS data_salt, SUBSTRING(b.data_digests FROM (u.o::integer - 1) * 32 + 1 FOR 32) AS data_digest, SUBSTRING(b.leaf_hashes FROM (u.o::integer - 1) * 32 + 1 FOR 32) AS leaf_hash, b.sealed_at FROM ledger_block b CROSS JOIN LATERAL unnest(b.event_ids) WITH ORDINALITY u(event_id, o);
table ledger_node
  column level smallint not null
  column idx bigint not null
  column hash bytea not null
  constraint ledger_node_level_check CHECK ((level > 0))
  constraint ledger_node_pkey PRIMARY KEY (level, idx)
  CREATE UNIQUE INDEX ledger_node_pkey ON ledger_node USING btree (level, idx)
table ledger_state
  column singleton boolean not null default true
  column tree_size bigint not null default 0
  column horizon xid8 not null default '0'::xid8
  column caught_up_at timestamp with time zone not null default now()
  column horizon_id bigint
  column max_sealed_tx xid8 not null default '0'::xid8
  column probing boolean not null default false
  constraint ledger_state_pkey PRIMARY KEY (singleton)
  constraint ledger_state_singleton_check CHECK (singleton)
  CREATE UNIQUE INDEX ledger_state_pkey ON ledger_state USING btree (singleton)
table ledger_tree_head
  column id bigint not null default nextval('ledger_tree_head_id_seq'::regclass)
  column origin text not null
  column tree_size bigint not null
  column root_hash bytea not null
  column signed_at timestamp with time zone not null
  column key_id text not null
  column signature bytea not null
  constraint ledger_tree_head_key_id_fkey FOREIGN KEY (key_id) REFERENCES ledger_key(key_id)
  constraint ledger_tree_head_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX ledger_tree_head_pkey ON ledger_tree_head USING btree (id)
  CREATE INDEX ledger_tree_head_size ON ledger_tree_head USING btree (tree_size)
table message_buffer
  column id bigint not null default nextval('message_buffer_id_seq'::regclass)
  column name text not null
  column correlation_key text
  column message_id text
  column variables jsonb not null default '{}'::jsonb
  column expires_at timestamp with time zone not null
  column created_at timestamp with time zone not null
  constraint message_buffer_message_id_key UNIQUE (message_id)
  constraint message_buffer_pkey PRIMARY KEY (id)
  CREATE INDEX message_buffer_lookup ON message_buffer USING btree (name, correlation_key, expires_at)
  CREATE UNIQUE INDEX message_buffer_message_id_key ON message_buffer USING btree (message_id)
  CREATE UNIQUE INDEX message_buffer_pkey ON message_buffer USING btree (id)
table notification_outbox
  column id bigint not null default nextval('notification_outbox_id_seq'::regclass)
  column template text not null
  column template_version integer not null
  column recipient text not null
  column subject text not null
  column text_body text not null
  column html_body text not null
  column instance_id bigint
  column idempotency_key text
  column status text not null default 'queued'::text
  column attempts integer not null default 0
  column next_attempt_at timestamp with time zone not null default now()
  column last_error text
  column provider_message_id text
  column created_at timestamp with time zone not null default now()
  column sent_at timestamp with time zone
  column headers jsonb not null default '{}'::jsonb
  constraint notification_outbox_idempotency_key_key UNIQUE (idempotency_key)
  constraint notification_outbox_pkey PRIMARY KEY (id)
  constraint notification_outbox_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'sent'::text, 'failed'::text])))
  CREATE INDEX notification_outbox_due ON notification_outbox USING btree (next_attempt_at) WHERE (status = 'queued'::text)
  CREATE UNIQUE INDEX notification_outbox_idempotency_key_key ON notification_outbox USING btree (idempotency_key)
  CREATE INDEX notification_outbox_instance ON notification_outbox USING btree (instance_id) WHERE (instance_id IS NOT NULL)
  CREATE UNIQUE INDEX notification_outbox_pkey ON notification_outbox USING btree (id)
table payment
  column id text not null
  column reference text not null
  column amount_minor bigint not null
  column currency text not null
  column description text not null
  column provider text not null
  column provider_ref text
  column state text not null
  column message_sent_at timestamp with time zone
  column created_by text not null
  column created_at timestamp with time zone not null
  column updated_at timestamp with time zone not null
  constraint payment_amount_minor_check CHECK ((amount_minor > 0))
  constraint payment_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text))
  constraint payment_pkey PRIMARY KEY (id)
  constraint payment_state_check CHECK ((state = ANY (ARRAY['created'::text, 'succeeded'::text, 'declined'::text, 'refunded'::text])))
  CREATE UNIQUE INDEX payment_one_success ON payment USING btree (reference) WHERE (state = 'succeeded'::text)
  CREATE UNIQUE INDEX payment_pkey ON payment USING btree (id)
  CREATE INDEX payment_reference ON payment USING btree (reference, created_at)
table payment_schedule
  column instance_id bigint not null
  column reference text not null
  column instalment integer not null
  column due_on date not null
  column amount_minor bigint not null
  column currency text not null
  column created_at timestamp with time zone not null
  constraint payment_schedule_amount_minor_check CHECK ((amount_minor >= 0))
  constraint payment_schedule_instalment_check CHECK ((instalment > 0))
  constraint payment_schedule_pkey PRIMARY KEY (instance_id, instalment)
  CREATE UNIQUE INDEX payment_schedule_pkey ON payment_schedule USING btree (instance_id, instalment)
table payment_test_session
  column id text not null
  column amount_minor bigint not null
  column currency text not null
  column description text not null
  column return_url text not null
  column state text not null
  column created_at timestamp with time zone not null
  constraint payment_test_session_pkey PRIMARY KEY (id)
  constraint payment_test_session_state_check CHECK ((state = ANY (ARRAY['created'::text, 'succeeded'::text, 'declined'::text, 'refunded'::text])))
  CREATE UNIQUE INDEX payment_test_session_pkey ON payment_test_session USING btree (id)
table personal_data_access
  column id bigint not null default nextval('personal_data_access_id_seq'::regclass)
  column subject text not null
  column actor text not null
  column receiver_code text not null
  column receiver_name text not null
  column receiver_system text not null
  column action text not null
  column data_categories text[] not null default '{}'::text[]
  column purpose text not null
  column reference text
  column logtime timestamp with time zone not null default now()
  column event_id bigint
  constraint personal_data_access_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX personal_data_access_pkey ON personal_data_access USING btree (id)
  CREATE INDEX personal_data_access_subject ON personal_data_access USING btree (subject, logtime DESC, id DESC)
table portal_draft
  column citizen_id text not null
  column service_id text not null
  column answers jsonb not null default '{}'::jsonb
  column page_versions jsonb not null default '{}'::jsonb
  column updated_at timestamp with time zone not null default now()
  constraint portal_draft_pkey PRIMARY KEY (citizen_id, service_id)
  CREATE UNIQUE INDEX portal_draft_pkey ON portal_draft USING btree (citizen_id, service_id)
table portal_submission
  column id bigint not null default nextval('portal_submission_id_seq'::regclass)
  column token text not null
  column reference text not null
  column citizen_id text not null
  column service_id text not null
  column process_key text not null
  column instance_id bigint
  column start_claimed_at timestamp with time zone
  column answers jsonb not null
  column form_versions jsonb not null
  column submitted_at timestamp with time zone not null default now()
  column language text
  constraint portal_submission_pkey PRIMARY KEY (id)
  constraint portal_submission_reference_key UNIQUE (reference)
  constraint portal_submission_token_key UNIQUE (token)
  CREATE INDEX portal_submission_citizen ON portal_submission USING btree (citizen_id, submitted_at DESC)
  CREATE INDEX portal_submission_instance ON portal_submission USING btree (instance_id, id) WHERE (instance_id IS NOT NULL)
  CREATE UNIQUE INDEX portal_submission_pkey ON portal_submission USING btree (id)
  CREATE UNIQUE INDEX portal_submission_reference_key ON portal_submission USING btree (reference)
  CREATE UNIQUE INDEX portal_submission_token_key ON portal_submission USING btree (token)
  CREATE INDEX portal_submission_without_case ON portal_submission USING btree (submitted_at, id) WHERE (instance_id IS NULL)
table privacy_data_key
  column key_id integer not null
  column wrapped text not null
  column created_at timestamp with time zone not null default now()
  column current boolean not null default false
  constraint privacy_data_key_pkey PRIMARY KEY (key_id)
  CREATE UNIQUE INDEX privacy_data_key_one_current ON privacy_data_key USING btree (current) WHERE current
  CREATE UNIQUE INDEX privacy_data_key_pkey ON privacy_data_key USING btree (key_id)
table privacy_erasure
  column instance_id bigint not null
  column subject text
  column rule text not null
  column erased_at timestamp with time zone not null default now()
  column event_id bigint
  constraint privacy_erasure_pkey PRIMARY KEY (instance_id)
  CREATE UNIQUE INDEX privacy_erasure_pkey ON privacy_erasure USING btree (instance_id)
table privacy_identifier
  column person_id text not null
  column kind text not null
  column key_id integer not null
  column ciphertext text not null
  column blind_index text not null
  column updated_at timestamp with time zone not null default now()
  constraint privacy_identifier_key_id_fkey FOREIGN KEY (key_id) REFERENCES privacy_data_key(key_id)
  constraint privacy_identifier_pkey PRIMARY KEY (person_id, kind)
  CREATE INDEX privacy_identifier_key ON privacy_identifier USING btree (key_id)
  CREATE INDEX privacy_identifier_lookup ON privacy_identifier USING btree (kind, blind_index)
  CREATE UNIQUE INDEX privacy_identifier_pkey ON privacy_identifier USING btree (person_id, kind)
table privacy_record
  column token text not null
  column subject text not null
  column kind text not null
  column instance_id bigint
  column key_id integer not null
  column ciphertext text not null
  column created_at timestamp with time zone not null default now()
  constraint privacy_record_key_id_fkey FOREIGN KEY (key_id) REFERENCES privacy_data_key(key_id)
  constraint privacy_record_pkey PRIMARY KEY (token)
  CREATE INDEX privacy_record_instance ON privacy_record USING btree (instance_id) WHERE (instance_id IS NOT NULL)
  CREATE INDEX privacy_record_key ON privacy_record USING btree (key_id)
  CREATE UNIQUE INDEX privacy_record_pkey ON privacy_record USING btree (token)
  CREATE INDEX privacy_record_subject ON privacy_record USING btree (subject)
table process_definition
  column id bigint not null default nextval('process_definition_id_seq'::regclass)
  column key text not null
  column version integer not null
  column name text
  column checksum text not null
  column deployment_id bigint not null
  column resource_name text not null
  column model jsonb not null
  column deployed_at timestamp with time zone not null default now()
  constraint process_definition_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES deployment(id)
  constraint process_definition_key_version_key UNIQUE (key, version)
  constraint process_definition_pkey PRIMARY KEY (id)
  constraint process_definition_version_check CHECK ((version > 0))
  CREATE UNIQUE INDEX process_definition_key_version_key ON process_definition USING btree (key, version)
  CREATE UNIQUE INDEX process_definition_pkey ON process_definition USING btree (id)
view process_event
  column id bigint
  column instance_id bigint
  column seq integer
  column type text
  column element_id text
  column element_instance text
  column actor text
  column occurred_at timestamp with time zone
  column data jsonb
  column tx_id xid8
  column process_key text
  column definition_id bigint
  column business_key text
  as SELECT e.id, e.instance_id, e.seq, e.type, e.element_id, e.element_instance, e.actor, e.occurred_at, e.data, e.tx_id, i.process_key, i.definition_id, i.business_key FROM event_log e LEFT JOIN process_instance i ON i.id = e.instance_id;
table process_instance
  column id bigint not null default nextval('process_instance_id_seq'::regclass)
  column definition_id bigint not null
  column process_key text not null
  column business_key text
  column state text not null
  column execution jsonb not null
  column variables jsonb not null default '{}'::jsonb
  column parent_instance_id bigint
  column parent_element_instance text
  column last_seq integer not null default 0
  column started_at timestamp with time zone not null
  column ended_at timestamp with time zone
  column decision_bindings jsonb not null default '{}'::jsonb
  constraint process_instance_definition_id_fkey FOREIGN KEY (definition_id) REFERENCES process_definition(id)
  constraint process_instance_parent_instance_id_fkey FOREIGN KEY (parent_instance_id) REFERENCES process_instance(id)
  constraint process_instance_pkey PRIMARY KEY (id)
  constraint process_instance_state_check CHECK ((state = ANY (ARRAY['active'::text, 'completed'::text, 'terminated'::text])))
  CREATE INDEX process_instance_business_key ON process_instance USING btree (business_key) WHERE (business_key IS NOT NULL)
  CREATE INDEX process_instance_definition ON process_instance USING btree (definition_id, state)
  CREATE INDEX process_instance_parent ON process_instance USING btree (parent_instance_id) WHERE (parent_instance_id IS NOT NULL)
  CREATE UNIQUE INDEX process_instance_pkey ON process_instance USING btree (id)
table projector_cursor
  column name text not null
  column horizon xid8 not null default '0'::xid8
  column horizon_id bigint not null default 0
  column applied bigint not null default 0
  column last_event_id bigint not null default 0
  column updated_at timestamp with time zone not null default now()
  constraint projector_cursor_pkey PRIMARY KEY (name)
  CREATE UNIQUE INDEX projector_cursor_pkey ON projector_cursor USING btree (name)
table rate_limit_counter
  column key text not null
  column hits integer not null
  column window_ends_at timestamp with time zone not null
  constraint rate_limit_counter_pkey PRIMARY KEY (key)
  CREATE INDEX rate_limit_counter_ends ON rate_limit_counter USING btree (window_ends_at)
  CREATE UNIQUE INDEX rate_limit_counter_pkey ON rate_limit_counter USING btree (key)
table registry_client_key
  column key_id text not null
  column public_key text not null
  column private_key_box text not null
  column created_at timestamp with time zone not null default now()
  constraint registry_client_key_pkey PRIMARY KEY (key_id)
  CREATE UNIQUE INDEX registry_client_key_pkey ON registry_client_key USING btree (key_id)
table sensor_case
  column id bigint not null default nextval('sensor_case_id_seq'::regclass)
  column entity_id text not null
  column condition text not null
  column instance_id bigint
  column opened_at timestamp with time zone not null default now()
  column closed_at timestamp with time zone
  column close_on_recovery boolean not null default false
  column details jsonb not null default '{}'::jsonb
  constraint sensor_case_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX sensor_case_open_idx ON sensor_case USING btree (entity_id, condition) WHERE (closed_at IS NULL)
  CREATE UNIQUE INDEX sensor_case_pkey ON sensor_case USING btree (id)
table sensor_entity
  column entity_id text not null
  column entity_type text not null
  column attrs jsonb not null
  column lon double precision
  column lat double precision
  column observed_at timestamp with time zone
  column created_at timestamp with time zone not null default now()
  column modified_at timestamp with time zone not null default now()
  constraint sensor_entity_pkey PRIMARY KEY (entity_id)
  CREATE UNIQUE INDEX sensor_entity_pkey ON sensor_entity USING btree (entity_id)
  CREATE INDEX sensor_entity_type_idx ON sensor_entity USING btree (entity_type, entity_id)
table sensor_hourly
  column entity_id text not null
  column attribute text not null
  column hour timestamp with time zone not null
  column n integer not null
  column min_value double precision not null
  column max_value double precision not null
  column sum_value double precision not null
  constraint sensor_hourly_pkey PRIMARY KEY (entity_id, attribute, hour)
  CREATE UNIQUE INDEX sensor_hourly_pkey ON sensor_hourly USING btree (entity_id, attribute, hour)
table sensor_observation
  column entity_id text not null
  column attribute text not null
  column observed_at timestamp with time zone not null
  column value_number double precision
  column value_json jsonb
  column idempotency_key text not null
  column received_at timestamp with time zone not null default now()
  constraint sensor_observation_pkey PRIMARY KEY (idempotency_key, observed_at)
  CREATE UNIQUE INDEX sensor_observation_pkey ON ONLY public.sensor_observation USING btree (idempotency_key, observed_at)
  CREATE INDEX sensor_observation_series_idx ON ONLY public.sensor_observation USING btree (entity_id, attribute, observed_at)
table sensor_observation_default
  column entity_id text not null
  column attribute text not null
  column observed_at timestamp with time zone not null
  column value_number double precision
  column value_json jsonb
  column idempotency_key text not null
  column received_at timestamp with time zone not null default now()
  constraint sensor_observation_default_pkey PRIMARY KEY (idempotency_key, observed_at)
  CREATE INDEX sensor_observation_default_entity_id_attribute_observed_at_idx ON sensor_observation_default USING btree (entity_id, attribute, observed_at)
  CREATE UNIQUE INDEX sensor_observation_default_pkey ON sensor_observation_default USING btree (idempotency_key, observed_at)
table signed_decision
  column code text not null
  column instance_id bigint
  column element_instance text
  column reference text not null
  column service_id text not null
  column decision_type text not null
  column kid text not null
  column jws text not null
  column pdf bytea not null
  column issued_at timestamp with time zone not null
  column revoked_at timestamp with time zone
  column revoked_reason text
  column revoked_by text
  constraint signed_decision_instance_id_element_instance_key UNIQUE (instance_id, element_instance)
  constraint signed_decision_kid_fkey FOREIGN KEY (kid) REFERENCES signing_key(kid)
  constraint signed_decision_pkey PRIMARY KEY (code)
  CREATE UNIQUE INDEX signed_decision_instance_id_element_instance_key ON signed_decision USING btree (instance_id, element_instance)
  CREATE UNIQUE INDEX signed_decision_pkey ON signed_decision USING btree (code)
  CREATE INDEX signed_decision_reference ON signed_decision USING btree (reference)
table signing_key
  column kid text not null
  column public_jwk jsonb not null
  column private_key_box text not null
  column active boolean not null default false
  column created_at timestamp with time zone not null default now()
  column retired_at timestamp with time zone
  constraint signing_key_pkey PRIMARY KEY (kid)
  CREATE UNIQUE INDEX signing_key_one_active ON signing_key USING btree (active) WHERE active
  CREATE UNIQUE INDEX signing_key_pkey ON signing_key USING btree (kid)
table transparency_benefit
  column instance_id bigint not null
  column instalment integer not null
  column service_id text not null
  column due_on date not null
  column amount_minor bigint not null
  column currency text not null
  constraint transparency_benefit_pkey PRIMARY KEY (instance_id, instalment)
  CREATE UNIQUE INDEX transparency_benefit_pkey ON transparency_benefit USING btree (instance_id, instalment)
table transparency_case
  column instance_id bigint not null
  column service_id text not null
  column department text not null
  column received_at timestamp with time zone not null
  column sla_due_at timestamp with time zone
  column decided_at timestamp with time zone
  column outcome text
  column withdrawn_at timestamp with time zone
  column ended_at timestamp with time zone
  column human_task boolean not null default false
  column reference_digest bytea
  constraint transparency_case_outcome_check CHECK ((outcome = ANY (ARRAY['approved'::text, 'refused'::text])))
  constraint transparency_case_pkey PRIMARY KEY (instance_id)
  CREATE INDEX transparency_case_department ON transparency_case USING btree (department, received_at)
  CREATE UNIQUE INDEX transparency_case_pkey ON transparency_case USING btree (instance_id)
  CREATE INDEX transparency_case_reference ON transparency_case USING btree (reference_digest)
  CREATE INDEX transparency_case_service ON transparency_case USING btree (service_id, received_at)
table transparency_contract
  column id text not null
  column title text not null
  column description text not null
  column department text not null
  column supplier_name text not null
  column supplier_id text
  column procurement_method text not null
  column amount_minor bigint not null
  column currency text not null
  column date_signed date not null
  column period_start date
  column period_end date
  column status text not null
  column updated_at timestamp with time zone not null default now()
  constraint transparency_contract_pkey PRIMARY KEY (id)
  constraint transparency_contract_procurement_method_check CHECK ((procurement_method = ANY (ARRAY['open'::text, 'selective'::text, 'limited'::text, 'direct'::text])))
  constraint transparency_contract_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'active'::text, 'cancelled'::text, 'terminated'::text])))
  CREATE UNIQUE INDEX transparency_contract_pkey ON transparency_contract USING btree (id)
table transparency_fee
  column payment_id text not null
  column service_id text not null
  column paid_at timestamp with time zone not null
  column amount_minor bigint not null
  column currency text not null
  column refunded_at timestamp with time zone
  constraint transparency_fee_pkey PRIMARY KEY (payment_id)
  CREATE UNIQUE INDEX transparency_fee_pkey ON transparency_fee USING btree (payment_id)
table transparency_milestone
  column id bigint not null default nextval('transparency_milestone_id_seq'::regclass)
  column project_id bigint not null
  column title text not null
  column planned_on date not null
  column done_on date
  constraint transparency_milestone_pkey PRIMARY KEY (id)
  constraint transparency_milestone_project_id_fkey FOREIGN KEY (project_id) REFERENCES transparency_project(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX transparency_milestone_pkey ON transparency_milestone USING btree (id)
  CREATE INDEX transparency_milestone_project ON transparency_milestone USING btree (project_id, planned_on)
table transparency_project
  column id bigint not null default nextval('transparency_project_id_seq'::regclass)
  column slug text not null
  column title text not null
  column summary text not null
  column department text not null
  column budget_minor bigint
  column currency text not null default 'EUR'::text
  column budget_line text
  column place text
  column latitude double precision
  column longitude double precision
  column status text not null
  column progress integer not null
  column created_at timestamp with time zone not null default now()
  column updated_at timestamp with time zone not null default now()
  constraint transparency_project_budget_minor_check CHECK (((budget_minor IS NULL) OR (budget_minor >= 0)))
  constraint transparency_project_latitude_check CHECK (((latitude IS NULL) OR ((latitude >= ('-90'::integer)::double precision) AND (latitude <= (90)::double precision))))
  constraint transparency_project_longitude_check CHECK (((longitude IS NULL) OR ((longitude >= ('-180'::integer)::double precision) AND (longitude <= (180)::double precision))))
  constraint transparency_project_pkey PRIMARY KEY (id)
  constraint transparency_project_progress_check CHECK (((progress >= 0) AND (progress <= 100)))
  constraint transparency_project_slug_key UNIQUE (slug)
  constraint transparency_project_status_check CHECK ((status = ANY (ARRAY['planned'::text, 'in-progress'::text, 'paused'::text, 'completed'::text, 'cancelled'::text])))
  CREATE UNIQUE INDEX transparency_project_pkey ON transparency_project USING btree (id)
  CREATE UNIQUE INDEX transparency_project_slug_key ON transparency_project USING btree (slug)
table transparency_project_update
  column id bigint not null default nextval('transparency_project_update_id_seq'::regclass)
  column project_id bigint not null
  column at timestamp with time zone not null default now()
  column status text not null
  column progress integer not null
  column text text not null
  constraint transparency_project_update_pkey PRIMARY KEY (id)
  constraint transparency_project_update_project_id_fkey FOREIGN KEY (project_id) REFERENCES transparency_project(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX transparency_project_update_pkey ON transparency_project_update USING btree (id)
  CREATE INDEX transparency_project_update_project ON transparency_project_update USING btree (project_id, at DESC)
table transparency_spending
  column record text not null
  column id text not null
  column budget_line text not null
  column department text not null
  column description text not null
  column financial_year integer not null
  column occurred_on date
  column amount_minor bigint not null
  column currency text not null
  column supplier text
  column contract_id text
  column imported_at timestamp with time zone not null default now()
  constraint transparency_spending_pkey PRIMARY KEY (record, id)
  constraint transparency_spending_record_check CHECK ((record = ANY (ARRAY['budget'::text, 'payment'::text])))
  CREATE INDEX transparency_spending_line ON transparency_spending USING btree (budget_line, record)
  CREATE UNIQUE INDEX transparency_spending_pkey ON transparency_spending USING btree (record, id)
table user_task
  column id bigint not null default nextval('user_task_id_seq'::regclass)
  column instance_id bigint not null
  column definition_id bigint not null
  column element_id text not null
  column element_instance text not null
  column name text
  column state text not null
  column assignee text
  column candidate_groups text[] not null default '{}'::text[]
  column candidate_users text[] not null default '{}'::text[]
  column form_key text
  column due_at timestamp with time zone
  column follow_up_at timestamp with time zone
  column priority integer not null default 50
  column input jsonb not null default '{}'::jsonb
  column created_at timestamp with time zone not null
  column completed_at timestamp with time zone
  column completed_by text
  constraint user_task_definition_id_fkey FOREIGN KEY (definition_id) REFERENCES process_definition(id)
  constraint user_task_instance_id_element_instance_key UNIQUE (instance_id, element_instance)
  constraint user_task_instance_id_fkey FOREIGN KEY (instance_id) REFERENCES process_instance(id)
  constraint user_task_pkey PRIMARY KEY (id)
  constraint user_task_state_check CHECK ((state = ANY (ARRAY['created'::text, 'completed'::text, 'cancelled'::text])))
  CREATE INDEX user_task_groups ON user_task USING gin (candidate_groups)
  CREATE UNIQUE INDEX user_task_instance_id_element_instance_key ON user_task USING btree (instance_id, element_instance)
  CREATE INDEX user_task_open ON user_task USING btree (state, due_at) WHERE (state = 'created'::text)
  CREATE UNIQUE INDEX user_task_pkey ON user_task USING btree (id)
table workbench_case_index
  column instance_id bigint not null
  column reference text
  column process_key text not null
  column status text not null
  column started_at timestamp with time zone not null
  column ended_at timestamp with time zone
  column groups text[] not null default '{}'::text[]
  column assignees text[] not null default '{}'::text[]
  column handlers text[] not null default '{}'::text[]
  column name_tokens text[] not null default '{}'::text[]
  column address_tokens text[] not null default '{}'::text[]
  column open_tasks jsonb not null default '{}'::jsonb
  column waiting text[] not null default '{}'::text[]
  column reference_key text default upper(regexp_replace(COALESCE(reference, ''::text), '[^A-Za-z0-9]+'::text, ''::text, 'g'::text))
  constraint workbench_case_index_pkey PRIMARY KEY (instance_id)
  constraint workbench_case_index_status_check CHECK ((status = ANY (ARRAY['open'::text, 'waiting-applicant'::text, 'waiting-payment'::text, 'closed'::text, 'withdrawn'::text])))
  CREATE INDEX workbench_case_index_addresses ON workbench_case_index USING gin (address_tokens)
  CREATE INDEX workbench_case_index_handlers ON workbench_case_index USING gin (handlers)
  CREATE INDEX workbench_case_index_names ON workbench_case_index USING gin (name_tokens)
  CREATE UNIQUE INDEX workbench_case_index_pkey ON workbench_case_index USING btree (instance_id)
  CREATE INDEX workbench_case_index_reference ON workbench_case_index USING btree (reference)
  CREATE INDEX workbench_case_index_reference_end ON workbench_case_index USING btree (reverse(reference_key) text_pattern_ops)
  CREATE INDEX workbench_case_index_reference_start ON workbench_case_index USING btree (reference_key text_pattern_ops)
  CREATE INDEX workbench_case_index_started ON workbench_case_index USING btree (started_at DESC, instance_id DESC)
  CREATE INDEX workbench_case_index_status_reference ON workbench_case_index USING btree (status, reference, instance_id) INCLUDE (groups, handlers, process_key, started_at, ended_at, assignees)
  CREATE INDEX workbench_case_index_status_started ON workbench_case_index USING btree (status, started_at DESC, instance_id DESC) INCLUDE (groups, handlers, process_key, reference, ended_at, assignees)
table workbench_saved_filter
  column id bigint not null default nextval('workbench_saved_filter_id_seq'::regclass)
  column actor text not null
  column name text not null
  column query text not null
  column created_at timestamp with time zone not null default now()
  constraint workbench_saved_filter_actor_name_key UNIQUE (actor, name)
  constraint workbench_saved_filter_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX workbench_saved_filter_actor_name_key ON workbench_saved_filter USING btree (actor, name)
  CREATE UNIQUE INDEX workbench_saved_filter_pkey ON workbench_saved_filter USING btree (id)
