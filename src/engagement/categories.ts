/**
 * Problem-report categories: engagement's own model of "what can be reported", each with the department that fixes
 * it. Open311 calls them services (service_code, service definition attributes); the citizen page calls them
 * categories. One list serves both, so a category added here is offered by both at once.
 */

export type AttributeType = 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';

export interface CategoryAttribute {
  readonly code: string;
  readonly datatype: AttributeType;
  readonly required: boolean;
  /** false: information shown to the reporter only (Open311 `variable`), never an answer. */
  readonly variable: boolean;
  readonly description: string;
  readonly datatypeDescription?: string;
  readonly order: number;
  /** For the two list types: key → human name. */
  readonly values?: readonly { readonly key: string; readonly name: string }[];
}

export interface ProblemCategory {
  /** The Open311 service_code. */
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly group: string;
  /** The department (identity's department id, a BPMN candidate group) whose staff fix it. */
  readonly department: string;
  /** Open311 `type`: realtime answers a POST with the id; batch with a token to exchange for the id later. */
  readonly type: 'realtime' | 'batch';
  readonly attributes: readonly CategoryAttribute[];
}

/**
 * The demo municipality's categories, routed to its departments (a real deployment passes its own list). Street
 * works go to building control, nuisance to licensing: the demo organisation has no street-works department.
 */
export const DEFAULT_CATEGORIES: readonly ProblemCategory[] = [
  {
    code: 'street-light', name: 'Street light not working', description: 'A street light that is out, flickering or on during the day.',
    keywords: ['lamp', 'lighting', 'dark'], group: 'street', department: 'building-control', type: 'realtime',
    attributes: [
      { code: 'light-id', datatype: 'string', required: false, variable: true, order: 1, description: 'The number on the lamp post, if you can see one.' },
      {
        code: 'fault', datatype: 'singlevaluelist', required: true, variable: true, order: 2, description: 'What is wrong with the light?',
        values: [{ key: 'out', name: 'Not lit at all' }, { key: 'flickering', name: 'Flickering' }, { key: 'day', name: 'Lit during the day' }],
      },
    ],
  },
  {
    code: 'pothole', name: 'Pothole or damaged road', description: 'A hole or crack in the road or pavement.',
    keywords: ['road', 'pavement', 'hole', 'crack'], group: 'street', department: 'building-control', type: 'realtime',
    attributes: [
      {
        code: 'hazards', datatype: 'multivaluelist', required: false, variable: true, order: 1, description: 'Who is at risk? Choose all that apply.',
        values: [{ key: 'cyclists', name: 'Cyclists' }, { key: 'pedestrians', name: 'Pedestrians' }, { key: 'drivers', name: 'Drivers' }],
      },
      { code: 'depth-cm', datatype: 'number', required: false, variable: true, order: 2, description: 'About how deep is it, in centimetres?' },
      { code: 'safety-note', datatype: 'text', required: false, variable: false, order: 3, description: 'If someone is in danger now, call the emergency number instead.' },
    ],
  },
  {
    code: 'graffiti', name: 'Graffiti', description: 'Graffiti on public buildings, walls or street furniture.',
    keywords: ['vandalism', 'paint', 'tag'], group: 'cleaning', department: 'licensing', type: 'realtime',
    attributes: [
      { code: 'offensive', datatype: 'singlevaluelist', required: false, variable: true, order: 1, description: 'Is it offensive?', values: [{ key: 'yes', name: 'Yes' }, { key: 'no', name: 'No' }] },
    ],
  },
  {
    code: 'abandoned-vehicle', name: 'Abandoned vehicle', description: 'A vehicle left on the street for a long time, untaxed or damaged.',
    keywords: ['car', 'van', 'untaxed'], group: 'street', department: 'licensing', type: 'batch',
    attributes: [
      { code: 'seen-since', datatype: 'datetime', required: false, variable: true, order: 1, description: 'Since when has it been there?', datatypeDescription: 'A date and time, e.g. 2026-05-01T09:00:00Z' },
    ],
  },
  {
    code: 'fly-tipping', name: 'Fly-tipping', description: 'Rubbish, furniture, rubble or other waste dumped in a street, lane or open space.',
    keywords: ['dumped', 'rubbish', 'waste', 'mattress'], group: 'cleaning', department: 'licensing', type: 'realtime',
    attributes: [
      { code: 'hazardous', datatype: 'singlevaluelist', required: false, variable: true, order: 1, description: 'Could it be dangerous (chemicals, asbestos, needles)?', values: [{ key: 'yes', name: 'Yes' }, { key: 'no', name: 'No' }, { key: 'unsure', name: 'Not sure' }] },
    ],
  },
  {
    code: 'overflowing-bin', name: 'Litter bin full or damaged', description: 'A public litter, dog-waste or recycling bin that is full, overflowing or broken.',
    keywords: ['litter', 'bin', 'emptied', 'overflowing'], group: 'cleaning', department: 'licensing', type: 'realtime', attributes: [],
  },
  {
    code: 'blocked-drain', name: 'Blocked drain or flooding', description: 'A blocked road drain or gully, or water standing on a road or pavement.',
    keywords: ['drain', 'gully', 'flood', 'puddle', 'water'], group: 'street', department: 'building-control', type: 'realtime', attributes: [],
  },
  {
    code: 'noise', name: 'Noise nuisance', description: 'Loud music, barking dogs, alarms, parties or building work at unreasonable hours.',
    keywords: ['loud', 'music', 'barking', 'alarm', 'party'], group: 'nuisance', department: 'licensing', type: 'realtime', attributes: [],
  },
];
