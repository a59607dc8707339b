import { Type } from '@sinclair/typebox';

/** Shared request/response schemas (JSON Schema via TypeBox), reused by routes and the OpenAPI document. */

export const Variables = Type.Record(Type.String(), Type.Unknown(), { description: 'Process variables: a JSON object of name → value' });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};

export const ErrorResponse = Type.Object({
  code: Type.String({ description: 'Stable error code, see docs/errors.md' }),
  message: Type.String(),
  details: Type.Array(Type.Object({
    where: Type.Optional(Type.String()),
    line: Type.Optional(Type.Integer()),
    column: Type.Optional(Type.Integer()),
    message: Type.String(),
  }, { additionalProperties: true })),
}, { $id: 'Error' });

export const ProcessInstance = Type.Object({
  id: Type.Integer(),
  definitionId: Type.Integer(),
  processKey: Type.String(),
  version: Type.Integer(),
  businessKey: Type.Union([Type.String(), Type.Null()]),
  state: Type.String({ enum: ['active', 'completed', 'terminated'] }),
  variables: Variables,
  parentInstanceId: Type.Union([Type.Integer(), Type.Null()]),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  activeElements: Type.Array(Type.Object({ elementId: Type.String(), elementInstance: Type.String(), waitingFor: Type.Union([Type.String(), Type.Null()]) })),
});

export const Event = Type.Object({
  id: Type.Integer(),
  seq: Type.Union([Type.Integer(), Type.Null()]),
  type: Type.String(),
  elementId: Type.Union([Type.String(), Type.Null()]),
  elementInstance: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Union([Type.String(), Type.Null()]),
  occurredAt: Type.String({ format: 'date-time' }),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const Task = Type.Object({
  id: Type.Integer(),
  instanceId: Type.Integer(),
  processKey: Type.String(),
  elementId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  state: Type.String({ enum: ['created', 'completed', 'cancelled'] }),
  assignee: Type.Union([Type.String(), Type.Null()]),
  candidateGroups: Type.Array(Type.String()),
  candidateUsers: Type.Array(Type.String()),
  formKey: Type.Union([Type.String(), Type.Null()]),
  dueAt: Type.Union([Type.String(), Type.Null()]),
  followUpAt: Type.Union([Type.String(), Type.Null()]),
  priority: Type.Integer(),
  createdAt: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
  completedBy: Type.Union([Type.String(), Type.Null()]),
  pending: Type.Optional(Type.Union([Type.Literal('assigning'), Type.Literal('completing')], { description: 'A transition waiting for the task\'s listeners (user task listeners)' })),
  denied: Type.Optional(Type.Object({ event: Type.Union([Type.Literal('assigning'), Type.Literal('completing')]), reason: Type.Union([Type.String(), Type.Null()]) }, { description: 'The last transition a task listener denied' })),
});

export const Job = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  instanceId: Type.Integer(),
  processKey: Type.String(),
  elementId: Type.String(),
  elementInstance: Type.String(),
  retries: Type.Integer(),
  headers: Type.Record(Type.String(), Type.String()),
  variables: Variables,
  lockExpiresAt: Type.String(),
  idempotencyKey: Type.String({ description: 'Stable across retries: make the side effect happen once per key' }),
  listener: Type.Optional(Type.Union(['start', 'end', 'creating', 'assigning', 'completing'].map((l) => Type.Literal(l)), {
    description: "A listener's job: an execution listener's (start, end) or a user task listener's (creating, assigning, completing); absent on the element's own job",
  })),
});

export const Incident = Type.Object({
  id: Type.Integer(),
  instanceId: Type.Integer(),
  elementId: Type.String(),
  elementInstance: Type.Union([Type.String(), Type.Null()]),
  jobId: Type.Union([Type.Integer(), Type.Null()]),
  kind: Type.String(),
  message: Type.String(),
  state: Type.String(),
  createdAt: Type.String(),
});
