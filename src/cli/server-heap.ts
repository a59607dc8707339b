/**
 * V8 settings for a process whose work is serving requests (`govflow serve`, the web bench's server processes), set
 * before it opens anything.
 */
import v8 from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring. A request's objects live for the request only, but the few that are in
 * flight when a young-generation collection runs survive it, and once enough of them do, V8 decides that an
 * allocation site makes long-lived objects and allocates all its later objects in the old generation, for good. The
 * site that tipped over in our servers is on the pg driver's row path (what it allocates for each result row): from
 * then on every row of every page sat in the old generation, kept the values it points to alive through each young
 * collection as well, and the old generation filled with dead rows that only full collections reclaim. On
 * the status page that was ≈ 30 MB a second promoted and ≈ 10 % of the server's CPU in the collector (2.5 % with this
 * setting, as in the build before issue 14, where the site happened not to tip). Servers keep few long-lived objects
 * made after start-up, so the decision buys them nothing. Not for the mining CLI, whose large logs are long-lived.
 */
export function tuneHeapForServing(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
