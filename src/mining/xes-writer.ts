/** Strict XES output (IEEE 1849): every event with concept:name, time:timestamp in UTC, escaped values. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { LIFECYCLE_START, type EventLog } from './event-log.js';
import { formatTimestamp } from './timestamp.js';
import { escapeXml } from './xml-text.js';

export async function writeXesFile(log: EventLog, path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('<?xml version="1.0" encoding="UTF-8" ?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n');
  await write('\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n');
  await write('\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n');
  await write('\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>\n');
  await write('\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>\n');
  for (let c = 0; c < log.caseIds.length; c++) {
    let s = `\t<trace>\n\t\t<string key="concept:name" value="${escapeXml(log.caseIds[c] ?? String(c))}"/>\n`;
    for (const [key, column] of log.caseAttributes) {
      const v = column[c];
      if (v === undefined) continue;
      const k = escapeXml(key);
      if (typeof v === 'number') s += key === 'deadline' || v > 1e11 ? `\t\t<date key="${k}" value="${formatTimestamp(v)}"/>\n` : `\t\t<float key="${k}" value="${v}"/>\n`;
      else if (typeof v === 'boolean') s += `\t\t<boolean key="${k}" value="${v}"/>\n`;
      else s += `\t\t<string key="${k}" value="${escapeXml(v)}"/>\n`;
    }
    for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) {
      s += `\t\t<event>\n\t\t\t<string key="concept:name" value="${escapeXml(log.activityNames[log.activity[i] ?? 0] ?? '')}"/>\n`;
      const r = log.resource[i] ?? -1;
      if (r >= 0) s += `\t\t\t<string key="org:resource" value="${escapeXml(log.resourceNames[r] ?? '')}"/>\n`;
      const g = log.group[i] ?? -1;
      if (g >= 0) s += `\t\t\t<string key="org:group" value="${escapeXml(log.groupNames[g] ?? '')}"/>\n`;
      const ts = log.timestamp[i] ?? NaN;
      if (!Number.isNaN(ts)) s += `\t\t\t<date key="time:timestamp" value="${formatTimestamp(ts)}"/>\n`;
      s += `\t\t\t<string key="lifecycle:transition" value="${log.lifecycle[i] === LIFECYCLE_START ? 'start' : 'complete'}"/>\n\t\t</event>\n`;
    }
    await write(s + '\t</trace>\n');
  }
  await write('</log>\n');
  out.end();
  await once(out, 'finish');
}
