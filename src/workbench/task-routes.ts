import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TaskView } from '../engine/index.js';
import { actorOf, inDepartment, listStaffOfDepartment, mayDecide, type StaffPrincipal } from '../identity/index.js';
import { t } from '../i18n/index.js';
import { PageError, PARAM, paramsSchema } from '../web/index.js';
import type { RenderCase } from './case-routes.js';
import { readTaskForm } from './task-form.js';
import { departmentOf, isManagerGroup, MAX_REASON, text, type WorkbenchContext } from './workbench-context.js';

/** Serves the actions on a task (claim, release, assign, escalate, complete) and adding an internal note to a case. */

const ID_PARAMS = paramsSchema({ id: PARAM.id });

export function registerTaskRoutes(server: FastifyInstance, ctx: WorkbenchContext, renderCase: RenderCase): void {
  const { engine, db, taskFormOf, postStaff, caseId, caseInScope } = ctx;

  async function taskForAction(principal: StaffPrincipal, id: string): Promise<TaskView> {
    const taskId = /^\d{1,15}$/.test(id) ? Number(id) : 0;
    const task = taskId > 0 ? await engine.getTask(taskId).catch(() => null) : null;
    if (!task || !mayDecide(principal, task.candidateGroups)) throw new PageError(404, t('staff.error.notFound'), t('staff.error.noSuchTask'));
    if (task.state !== 'created') throw new PageError(409, t('staff.error.taskDoneTitle'), t('staff.error.taskDoneText'));
    if (task.pending) throw new PageError(409, t('staff.error.taskPendingTitle'), t('staff.error.taskPendingText'));
    return task;
  }

  /** After an action: back to the case, or to the inbox when the person no longer sees the case (they escalated its only task of theirs). */
  async function backToCase(reply: FastifyReply, principal: StaffPrincipal, instanceId: number): Promise<FastifyReply> {
    const inScope = await caseInScope(principal, instanceId).then(() => true, () => false);
    return reply.redirect(inScope ? `/staff/cases/${instanceId}` : '/staff', 303);
  }

  server.post<{ Params: { id: string } }>('/staff/tasks/:id/claim', { schema: ID_PARAMS }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const task = await taskForAction(post.principal, request.params.id);
    await engine.claimTask(task.id, actorOf(post.principal));
    return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
  });

  server.post<{ Params: { id: string } }>('/staff/tasks/:id/release', { schema: ID_PARAMS }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const task = await taskForAction(post.principal, request.params.id);
    if (task.assignee !== actorOf(post.principal)) throw new PageError(409, t('staff.error.notYoursTitle'), t('staff.error.notYoursText'));
    await engine.unclaimTask(task.id, actorOf(post.principal));
    return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
  });

  server.post<{ Params: { id: string } }>('/staff/tasks/:id/assign', { schema: ID_PARAMS }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const task = await taskForAction(post.principal, request.params.id);
    const department = departmentOf(task);
    if (!department || !inDepartment(post.principal, department, 'manager') || !db) throw new PageError(403, t('staff.error.reassignTitle'), department ? t('staff.error.reassignText', { department }) : t('staff.error.reassignTextNone'));
    const assignee = text(post.body, 'assignee');
    const colleagues = await listStaffOfDepartment(db, department, isManagerGroup(task) ? 'manager' : undefined);
    if (assignee !== '' && !colleagues.some((c) => c.actor === assignee)) {
      return renderCase(reply, post, task.instanceId, { taskId: task.id, action: 'assign', input: post.body, errors: [{ key: 'assignee', anchor: `assignee-${task.id}`, message: t('staff.task.selectColleague', { department }) }] });
    }
    await engine.assignTask(task.id, { assignee: assignee || null, actor: actorOf(post.principal) });
    return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
  });

  server.post<{ Params: { id: string } }>('/staff/tasks/:id/escalate', { schema: ID_PARAMS }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const task = await taskForAction(post.principal, request.params.id);
    const department = departmentOf(task);
    const me = actorOf(post.principal);
    if (!department || (task.assignee !== me && !inDepartment(post.principal, department, 'manager'))) throw new PageError(403, t('staff.error.escalateTitle'), t('staff.error.escalateText'));
    if (isManagerGroup(task)) throw new PageError(409, t('staff.error.withManagersTitle'), t('staff.error.withManagersText'));
    const reason = text(post.body, 'reason');
    const problem = reason === '' ? t('staff.task.reasonMissing') : [...reason].length > MAX_REASON ? t('staff.common.reasonTooLong', { max: MAX_REASON }) : null;
    if (problem) return renderCase(reply, post, task.instanceId, { taskId: task.id, action: 'escalate', input: post.body, errors: [{ key: 'reason', anchor: `reason-${task.id}`, message: problem }] });
    await engine.escalateTask(task.id, { candidateGroups: [`${department}/manager`], actor: me, reason });
    return backToCase(reply, post.principal, task.instanceId);
  });

  server.post<{ Params: { id: string } }>('/staff/tasks/:id/complete', { schema: ID_PARAMS }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const task = await taskForAction(post.principal, request.params.id);
    if (task.assignee !== actorOf(post.principal)) throw new PageError(409, t('staff.error.claimFirstTitle'), t('staff.error.claimFirstText'));
    const lookup = await taskFormOf(task);
    // A deployed form the workbench cannot read: completing without it would drop what the process expects.
    if (lookup?.kind === 'unreadable') throw new PageError(409, t('staff.error.formUnreadableTitle'), t('staff.task.formUnreadable', { form: lookup.formId, file: lookup.file, problem: lookup.problem }));
    const form = lookup?.kind === 'form' ? lookup.form : undefined;
    let variables: Record<string, unknown> = {};
    if (form) {
      const read = readTaskForm(form.form, post.body);
      if (read.errors.length > 0) return renderCase(reply, post, task.instanceId, { taskId: task.id, action: 'complete', input: post.body, errors: read.errors });
      // The form's version goes with the answers, like a citizen's submission is pinned to the form it was filled in with.
      variables = { ...read.variables };
    }
    await engine.completeTask(task.id, { variables, actor: actorOf(post.principal) });
    if (form) await engine.recordCaseEvent(task.instanceId, { type: 'task.form-submitted', elementId: task.elementId, data: { taskId: task.id, formId: form.formId, formVersion: form.formVersion } }, { actor: actorOf(post.principal) });
    return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
  });

  server.post<{ Params: { id: string } }>('/staff/cases/:id/notes', { schema: ID_PARAMS }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const id = caseId(request.params.id);
    const { tasks } = await caseInScope(post.principal, id);
    if (!mayDecide(post.principal, tasks.flatMap((t) => t.candidateGroups))) throw new PageError(403, t('staff.error.noteTitle'), t('staff.error.noteText'));
    const note = text(post.body, 'note');
    const problem = note === '' ? t('staff.case.noteMissing') : [...note].length > 4000 ? t('staff.case.noteTooLong', { max: 4000 }) : null;
    if (problem) return renderCase(reply, post, id, { taskId: 0, action: 'note', input: post.body, errors: [{ key: 'note', anchor: 'note', message: problem }] });
    await engine.recordCaseEvent(id, { type: 'case.note-added', data: { text: note } }, { actor: actorOf(post.principal) });
    return reply.redirect(`/staff/cases/${id}`, 303);
  });
}
