/**
 * Small-count suppression for published tables. Primary: a count from 1 to threshold − 1 is withheld (zero is
 * shown: it identifies nobody). Secondary: the published cells satisfy additive relations (approved + refused =
 * decided, periods add up to the total, a department's services add up to the department), and a relation with
 * exactly one withheld cell gives it away by subtraction; so while any relation has exactly one, the smallest other
 * cell of that relation is withheld too (the usual "at least two per relation" rule of statistical offices).
 */
export interface Relation {
  /** Cells whose values add up to `total`. */
  readonly parts: readonly string[];
  readonly total: string;
}

export function suppressCells(values: ReadonlyMap<string, number>, relations: readonly Relation[], threshold: number): Set<string> {
  const withheld = new Set<string>();
  for (const [key, value] of values) if (value > 0 && value < threshold) withheld.add(key);
  if (withheld.size === 0) return withheld;
  for (let changed = true; changed;) {
    changed = false;
    for (const relation of relations) {
      const cells = [...relation.parts, relation.total];
      if (cells.filter((c) => withheld.has(c)).length !== 1) continue;
      // Prefer a part over the total, and the smallest value (the least information lost).
      const candidates = cells.filter((c) => !withheld.has(c)).sort((a, b) => Number(a === relation.total) - Number(b === relation.total) || (values.get(a) ?? 0) - (values.get(b) ?? 0));
      const next = candidates.find((c) => (values.get(c) ?? 0) > 0) ?? candidates[0];
      if (next === undefined) continue;
      withheld.add(next);
      changed = true;
    }
  }
  return withheld;
}

/** The relations with exactly one withheld cell (an empty list when suppression holds). */
export function derivableCells(relations: readonly Relation[], withheld: ReadonlySet<string>): Relation[] {
  return relations.filter((r) => [...r.parts, r.total].filter((c) => withheld.has(c)).length === 1);
}
