/**
 * Synthetic XES of any size, for the memory benchmark and tests: a loan-application-like process with loops,
 * resources and departments, written as real-world exporters do (many attributes per event, tabs, offsets).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';


/** Writes about `targetBytes` of XES to `path`; deterministic (a fixed-seed generator). */
export async function generateXes(path: string, targetBytes: number): Promise<{ cases: number; events: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let written = 0;
  const write = async (s: string): Promise<void> => {
    written += s.length;
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('<?xml version="1.0" encoding="UTF-8" ?>\n<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n');
  await write('\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n\t<global scope="event">\n\t\t<string key="concept:name" value="UNKNOWN"/>\n\t</global>\n');
  let cases = 0;
  let events = 0;
  let t = Date.UTC(2020, 0, 1);
  while (written < targetBytes) {
    cases++;
    t += Math.floor(rnd() * 600_000);
    let ts = t;
    const steps: string[] = ['Submit application', 'Check completeness'];
    while (rnd() < 0.3) steps.push('Request documents', 'Receive documents', 'Check completeness');
    steps.push('Assess risk');
    if (rnd() < 0.4) steps.push('Consult department', 'Assess risk');
    steps.push('Draft decision', 'Review decision');
    if (rnd() < 0.2) steps.push('Draft decision', 'Review decision');
    steps.push(rnd() < 0.7 ? 'Approve' : 'Reject', 'Notify applicant', 'Archive');
    let s = `\t<trace>\n\t\t<string key="concept:name" value="case-${cases}"/>\n\t\t<float key="amount" value="${Math.round(rnd() * 50000)}"/>\n`;
    for (const activity of steps) {
      ts += Math.floor(rnd() * 86_400_000);
      const iso = new Date(ts).toISOString().replace('Z', '+00:00');
      const resource = `user${1 + Math.floor(rnd() * 40)}`;
      const dept = `dept${1 + Math.floor(rnd() * 5)}`;
      for (const life of ['start', 'complete']) {
        s += `\t\t<event>\n\t\t\t<string key="concept:name" value="${activity}"/>\n\t\t\t<string key="lifecycle:transition" value="${life}"/>\n\t\t\t<string key="org:resource" value="${resource}"/>\n\t\t\t<string key="org:group" value="${dept}"/>\n\t\t\t<date key="time:timestamp" value="${iso}"/>\n\t\t\t<string key="note" value="generated &amp; synthetic"/>\n\t\t</event>\n`;
        events++;
      }
    }
    await write(`${s}\t</trace>\n`);
  }
  await write('</log>\n');
  out.end();
  await once(out, 'finish');
  return { cases, events };
}

/**
 * A CSV shaped like the Road Traffic Fines log (BPI, de Leoni & Mannhardt) for benchmarks when the real file is not
 * at hand: the same activity names, about 3.7 events per case, day-granular timestamps (so many events of a case
 * share one and file order decides), a few attribute columns. Written case by case; deterministic.
 */
export async function generateFinesCsv(path: string, targetEvents = 561_470): Promise<{ cases: number; events: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let seed = 1849;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('case:concept:name,concept:name,time:timestamp,org:resource,amount,points,vehicleClass,article,lifecycle:transition\n');
  let cases = 0;
  let events = 0;
  const DAY = 86_400_000;
  let created = Date.UTC(2000, 0, 1);
  while (events < targetEvents) {
    cases++;
    // About 33 fines a day: 150,000 cases span some 12 years, as the real log's 2000–2013.
    if (rnd() < 0.03) created += DAY;
    const steps = ['Create Fine'];
    if (rnd() < 0.31) steps.push('Payment');
    else {
      steps.push('Send Fine');
      if (rnd() > 0.14) {
        steps.push('Insert Fine Notification');
        if (rnd() < 0.12) {
          steps.push('Insert Date Appeal to Prefecture', 'Send Appeal to Prefecture');
          if (rnd() < 0.5) steps.push('Receive Result', 'Notify Result Appeal to Offender');
        }
        if (rnd() < 0.03) steps.push('Appeal to Judge');
        steps.push('Add penalty');
        if (rnd() < 0.6) steps.push('Send for Credit Collection');
        else do steps.push('Payment'); while (rnd() < 0.2);
      }
    }
    const amount = (20 + Math.floor(rnd() * 30) * 5).toFixed(1);
    const article = String([157, 7, 158, 142, 181][Math.floor(rnd() * 5)]);
    let t = created;
    let s = '';
    for (const activity of steps) {
      s += `A${cases},${activity},${new Date(t).toISOString()},${500 + Math.floor(rnd() * 60)},${amount},${Math.floor(rnd() * 3)},${rnd() < 0.9 ? 'A' : 'C'},${article},complete\n`;
      events++;
      t += rnd() < 0.15 ? 0 : Math.floor(1 + rnd() * 90) * DAY;
    }
    await write(s);
  }
  out.end();
  await once(out, 'finish');
  return { cases, events };
}
