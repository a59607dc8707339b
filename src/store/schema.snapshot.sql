table decision_definition
  column id bigint not null default nextval('decision_definition_id_seq'::regclass)
  column key text not null
  column version integer not null
  column name text
  column checksum text not null
  column deployment_id bigint not null
  column resource_id bigint not null
  column deployed_at timestamp with time zone not null default now()
  constraint decision_definition_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES deployment(id)
  constraint decision_definition_key_version_key UNIQUE (key, version)
  constraint decision_definition_pkey PRIMARY KEY (id)
  constraint decision_definition_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES deployment_resource(id)
  constraint decision_definition_version_check CHECK ((version > 0))
  CREATE UNIQUE INDEX decision_definition_key_version_key ON decision_definition USING btree (key, version)
  CREATE UNIQUE INDEX decision_definition_pkey ON decision_definition USING btree (id)
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
  CREATE UNIQUE INDEX event_log_pkey ON event_log USING btree (id)
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
table govflow_migration
  column id integer not null
  column name text not null
  column checksum text not null
  column applied_at timestamp with time zone not null default now()
  constraint govflow_migration_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX govflow_migration_pkey ON govflow_migration USING btree (id)
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
  constraint process_instance_definition_id_fkey FOREIGN KEY (definition_id) REFERENCES process_definition(id)
  constraint process_instance_parent_instance_id_fkey FOREIGN KEY (parent_instance_id) REFERENCES process_instance(id)
  constraint process_instance_pkey PRIMARY KEY (id)
  constraint process_instance_state_check CHECK ((state = ANY (ARRAY['active'::text, 'completed'::text, 'terminated'::text])))
  CREATE INDEX process_instance_business_key ON process_instance USING btree (business_key) WHERE (business_key IS NOT NULL)
  CREATE INDEX process_instance_definition ON process_instance USING btree (definition_id, state)
  CREATE INDEX process_instance_parent ON process_instance USING btree (parent_instance_id) WHERE (parent_instance_id IS NOT NULL)
  CREATE UNIQUE INDEX process_instance_pkey ON process_instance USING btree (id)
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
