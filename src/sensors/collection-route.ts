/**
 * The daily collection route: the containers to empty, ordered by nearest neighbour from the depot (then improved
 * with 2-opt while it shortens), with the distance against the same stops in list order.
 */

export interface Stop {
  readonly id: string;
  readonly lon: number;
  readonly lat: number;
}

const EARTH_KM = 6371.0088;
const rad = (d: number): number => (d * Math.PI) / 180;

/** Great-circle distance in kilometres (haversine). */
export function distanceKm(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length of depot → stops in order (not back: the truck ends at the tip). */
export function pathKm(depot: { lon: number; lat: number }, stops: readonly Stop[]): number {
  let total = 0;
  let at = depot;
  for (const s of stops) {
    total += distanceKm(at, s);
    at = s;
  }
  return total;
}

function nearestNeighbour(depot: { lon: number; lat: number }, stops: readonly Stop[]): Stop[] {
  const left = [...stops];
  const out: Stop[] = [];
  let at: { lon: number; lat: number } = depot;
  while (left.length > 0) {
    let best = 0;
    for (let i = 1; i < left.length; i++) if (distanceKm(at, left[i]!) < distanceKm(at, left[best]!)) best = i;
    const next = left.splice(best, 1)[0]!;
    out.push(next);
    at = next;
  }
  return out;
}

/** 2-opt on an open path from the depot: reverses a stretch whenever that shortens it, until none does. */
function twoOpt(depot: { lon: number; lat: number }, route: Stop[]): Stop[] {
  let best = route;
  let improved = true;
  for (let rounds = 0; improved && rounds < 50; rounds++) {
    improved = false;
    for (let i = 0; i < best.length - 1; i++) {
      for (let j = i + 1; j < best.length; j++) {
        const candidate = [...best.slice(0, i), ...best.slice(i, j + 1).reverse(), ...best.slice(j + 1)];
        if (pathKm(depot, candidate) + 1e-9 < pathKm(depot, best)) {
          best = candidate;
          improved = true;
        }
      }
    }
  }
  return best;
}

export interface PlannedRoute {
  readonly ordered: readonly Stop[];
  readonly orderedKm: number;
  readonly unorderedKm: number;
}

export function planRoute(depot: { lon: number; lat: number }, stops: readonly Stop[]): PlannedRoute {
  // 2-opt is quadratic per round: beyond a few hundred stops the nearest-neighbour order stands as it is.
  const nn = nearestNeighbour(depot, stops);
  const ordered = stops.length <= 200 ? twoOpt(depot, nn) : nn;
  return { ordered, orderedKm: pathKm(depot, ordered), unorderedKm: pathKm(depot, stops) };
}
