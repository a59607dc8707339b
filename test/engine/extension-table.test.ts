import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import camundaDescriptor from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import zeebeDescriptor from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import { compileBpmn, EXTENSION_TABLE } from '../../src/engine/index.js';
import { GovflowError } from '../../src/kernel/index.js';

interface Descriptor { prefix: string; types: { name: string; extends?: string[]; superClass?: string[]; properties?: { name: string }[] }[] }
const DESCRIPTORS = [zeebeDescriptor, camundaDescriptor] as Descriptor[];

/** Every element and attribute the two namespaces define, keyed as the table keys them. */
function descriptorKeys(): string[] {
  const keys: string[] = [];
  for (const d of DESCRIPTORS) {
    for (const t of d.types) {
      // A type that only adds attributes to other elements (`extends`) is no element of its own.
      if (!t.extends) keys.push(`${d.prefix}:${t.name}`);
      for (const p of t.properties ?? []) keys.push(`${d.prefix}:${t.name}#${p.name.replace(/^\w+:/, '')}`);
    }
  }
  return keys;
}

/** Types that only serve as super classes (never written in XML themselves), e.g. zeebe:InputOutputParameter. */
function abstractTypes(): Set<string> {
  const out = new Set<string>();
  for (const d of DESCRIPTORS) {
    const names = new Set(d.types.map((t) => t.name));
    for (const t of d.types) for (const s of t.superClass ?? []) if (names.has(s)) out.add(`${d.prefix}:${s}`);
  }
  return out;
}

async function fixture(name: string): Promise<string> {
  return readFile(new URL(`./fixtures/extensions/${name}`, import.meta.url), 'utf8');
}

async function refusal(xml: string): Promise<GovflowError> {
  try {
    await compileBpmn(xml, 'refused.bpmn');
  } catch (error) {
    if (error instanceof GovflowError) return error;
    throw error;
  }
  assert.fail('the model was accepted');
}

const zeebeModel = (body: string, attrs = '') => `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true"${attrs}>
    <bpmn:startEvent id="s" />
${body}
  </bpmn:process>
</bpmn:definitions>`;
const camundaModel = (body: string) => `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" />
${body}
  </bpmn:process>
</bpmn:definitions>`;

describe('extension table: nothing of the Zeebe and Camunda 7 namespaces is silently ignored', () => {
  it('names every element and attribute of zeebe-bpmn-moddle and camunda-bpmn-moddle as run, inert or refused', () => {
    const missing = descriptorKeys().filter((k) => !EXTENSION_TABLE[k]);
    assert.deepEqual(missing, [], `not in the extension table: ${missing.join(', ')}`);
    for (const [key, entry] of Object.entries(EXTENSION_TABLE)) {
      const reason = entry.handling === 'executed' ? entry.by : entry.handling === 'inert' ? entry.why : entry.instead;
      assert.ok(reason.length > 5, `${key} says why`);
    }
  });

  it('every entry that is run or inert is accepted by a deploy that uses it (removing one from the table fails here)', async () => {
    const seen = new Set<string>();
    for (const name of ['zeebe-all.bpmn', 'camunda-all.bpmn', 'zeebe-listeners.bpmn', 'zeebe-task-listeners.bpmn']) {
      const compiled = await compileBpmn(await fixture(name), name);
      for (const key of compiled.extensions) seen.add(key);
    }
    const abstract = abstractTypes();
    const unexercised = Object.entries(EXTENSION_TABLE)
      .filter(([key, entry]) => entry.handling !== 'refused' && !seen.has(key) && !abstract.has(key))
      .map(([key]) => key);
    assert.deepEqual(unexercised, [], 'the fixtures exercise every accepted extension');
  });

  const cases: { name: string; xml: string; where: string; type: string; extension: RegExp; tag: string; instead: RegExp }[] = [
    {
      name: 'a Camunda 7 execution listener',
      xml: camundaModel('    <bpmn:userTask id="t">\n      <bpmn:extensionElements>\n        <camunda:executionListener event="start" expression="${status.set(1)}" />\n      </bpmn:extensionElements>\n    </bpmn:userTask>'),
      where: 't', type: 'bpmn:UserTask', extension: /^camunda:ExecutionListener$/, tag: '<camunda:executionListener', instead: /govflow convert/,
    },
    {
      name: 'Zeebe linked resources',
      xml: zeebeModel('    <bpmn:serviceTask id="job">\n      <bpmn:extensionElements>\n        <zeebe:taskDefinition type="a" />\n        <zeebe:linkedResources><zeebe:linkedResource resourceId="r" linkName="l" /></zeebe:linkedResources>\n      </bpmn:extensionElements>\n    </bpmn:serviceTask>'),
      where: 'job', type: 'bpmn:ServiceTask', extension: /^zeebe:LinkedResources$/, tag: '<zeebe:linkedResources', instead: /not supported/,
    },
    {
      name: 'a Zeebe attribute no descriptor knows',
      xml: zeebeModel('    <bpmn:userTask id="u" zeebe:madeUp="1" />'),
      where: 'u', type: 'bpmn:UserTask', extension: /^zeebe:#madeUp$/, tag: 'id="u"', instead: /does not know/,
    },
    {
      name: 'a Camunda 7 element inside a Camunda 8 model',
      xml: zeebeModel('    <bpmn:userTask id="u2">\n      <bpmn:extensionElements>\n        <camunda:inputOutput><camunda:inputParameter name="a">1</camunda:inputParameter></camunda:inputOutput>\n      </bpmn:extensionElements>\n    </bpmn:userTask>'),
      where: 'u2', type: 'bpmn:UserTask', extension: /^camunda:inputOutput$/, tag: '<camunda:inputOutput', instead: /Camunda 7 construct/,
    },
    {
      name: 'Camunda 7 input/output parameters (JUEL), before conversion',
      xml: camundaModel('    <bpmn:serviceTask id="io" camunda:type="external" camunda:topic="t">\n      <bpmn:extensionElements>\n        <camunda:inputOutput><camunda:inputParameter name="a">${x}</camunda:inputParameter></camunda:inputOutput>\n      </bpmn:extensionElements>\n    </bpmn:serviceTask>'),
      where: 'io', type: 'bpmn:ServiceTask', extension: /^camunda:InputOutput$/, tag: '<camunda:inputOutput', instead: /govflow convert/,
    },
  ];
  for (const c of cases) {
    it(`${c.name} is refused at deploy time with id, type, line and what to do instead`, async () => {
      const error = await refusal(c.xml);
      assert.equal(error.code, 'GOVFLOW_ERR_BPMN_EXTENSION_REFUSED');
      const detail = error.details.find((d) => typeof d.extension === 'string' && c.extension.test(d.extension));
      assert.ok(detail, JSON.stringify(error.details));
      assert.equal(detail.where, c.where);
      assert.equal(detail.type, c.type);
      assert.equal(detail.line, c.xml.split('\n').findIndex((l) => l.includes(c.tag)) + 1);
      assert.match(String(detail.instead), c.instead);
      assert.match(detail.message, new RegExp(`${c.where}.*${String(detail.instead).slice(0, 12).replace(/[.*+?^${}()|[\]\\`]/g, '\\$&')}`));
    });
  }

  it('Zeebe user task listeners are run: a model with them deploys and names them among what it runs', async () => {
    const compiled = await compileBpmn(await fixture('zeebe-task-listeners.bpmn'), 'task-listeners.bpmn');
    for (const key of ['zeebe:TaskListeners', 'zeebe:TaskListener', 'zeebe:TaskListener#eventType', 'zeebe:TaskListener#type', 'zeebe:TaskListener#retries']) {
      assert.ok(compiled.extensions.includes(key), `${key} is accepted`);
      assert.equal(EXTENSION_TABLE[key]?.handling, 'executed');
    }
    const review = compiled.processes[0]!.elements['review']!;
    assert.deepEqual(review.taskListeners?.map((l) => l.eventType), ['creating', 'assigning', 'completing'], 'each listener is compiled, in model order');
  });

  it('a Camunda 7 attribute left in a Camunda 8 model is named in a warning, not dropped unsaid', async () => {
    const compiled = await compileBpmn(zeebeModel('    <bpmn:serviceTask id="job" camunda:topic="mail">\n      <bpmn:extensionElements><zeebe:taskDefinition type="mail" /></bpmn:extensionElements>\n    </bpmn:serviceTask>'), 'leftover.bpmn');
    assert.ok(compiled.warnings.some((w) => /job.*camunda:ExternalCapable#topic.*neither Camunda 8 nor govflow reads it/.test(w)), compiled.warnings.join('\n'));
  });
});
