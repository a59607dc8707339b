-- 0015-decision-bindings (issue 14): a business-rule task runs the decision version its case was bound to when it
-- started, not whatever is deployed when the task is reached, so a DMN redeploy mid-case does not change the case
-- and a replay of its history needs only what the history recorded.
--
-- decision_definition.version_tag: the tag a DMN decision carries (Camunda 7 `camunda:versionTag`, Zeebe
-- `zeebe:versionTag`), for `bindingType="versionTag"` / `decisionRefBinding="versionTag"`.
alter table decision_definition add column version_tag text;
create index decision_definition_version_tag on decision_definition (key, version_tag, version) where version_tag is not null;

-- process_instance.decision_bindings: business-rule task element id → { decisionKey, decisionDefinitionId,
-- version, versionTag }, written when the instance starts (or, for a decision not yet deployed then, when it
-- first becomes available) and never changed afterwards.
alter table process_instance add column decision_bindings jsonb not null default '{}'::jsonb;

-- Cases running when this migration lands are bound to the newest version of each decision they call, which is
-- what they would have run next.
update process_instance i set decision_bindings = b.bindings
from (
  select i2.id, jsonb_object_agg(el.key, jsonb_build_object('decisionKey', dd.key, 'decisionDefinitionId', dd.id, 'version', dd.version, 'versionTag', null)) as bindings
  from process_instance i2
  join process_definition d on d.id = i2.definition_id
  cross join lateral jsonb_each(d.model -> 'elements') el
  cross join lateral (
    select x.id, x.key, x.version from decision_definition x
    where x.key = el.value -> 'decision' ->> 'decisionId' order by x.version desc limit 1
  ) dd
  where i2.state = 'active' and el.value ? 'decision'
  group by i2.id
) b
where i.id = b.id;
