/**
 * DMN models for the decision-binding tests and the `decisions` replay scenario: one decision `award` whose
 * amount depends on income and whose review date is today() + 30 days, so it reads the clock.
 */
export function awardDmn(versionTag: string, lowIncomeAmount: number, otherAmount: number, tagStyle: 'zeebe' | 'camunda' = 'zeebe'): string {
  const tagAttr = tagStyle === 'camunda' ? ` camunda:versionTag="${versionTag}"` : '';
  const tagElement = tagStyle === 'zeebe' ? `<extensionElements><zeebe:versionTag value="${versionTag}"/></extensionElements>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/dmn"
  id="award_defs" name="Award" namespace="http://govflow.test/award">
  <inputData id="income_input" name="income"><variable id="income_var" name="income" typeRef="number"/></inputData>
  <decision id="award" name="Award"${tagAttr}>${tagElement}
    <informationRequirement id="award_needs_income"><requiredInput href="#income_input"/></informationRequirement>
    <decisionTable id="award_table" hitPolicy="UNIQUE">
      <input id="in_income" label="Income"><inputExpression id="ie_income" typeRef="number"><text>income</text></inputExpression></input>
      <output id="out_amount" name="amount" typeRef="number"/>
      <output id="out_review" name="reviewBy" typeRef="date"/>
      <rule id="low"><inputEntry id="low_in"><text>&lt; 1000</text></inputEntry><outputEntry id="low_amount"><text>${lowIncomeAmount}</text></outputEntry><outputEntry id="low_review"><text>today() + duration("P30D")</text></outputEntry></rule>
      <rule id="other"><inputEntry id="other_in"><text>&gt;= 1000</text></inputEntry><outputEntry id="other_amount"><text>${otherAmount}</text></outputEntry><outputEntry id="other_review"><text>today() + duration("P30D")</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;
}
