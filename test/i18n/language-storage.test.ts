// The reader's language travels with everything a page awaits, and the storage that carries it is switched off
// once no page or runInLanguage call holds it (Node 20 runs its hook for every promise of the process while it is
// on, API requests included). Without a server: the web edge holds it from a page's request to its response's end.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { currentLanguage, holdReaderLanguage, runInLanguage, t } from '../../src/i18n/index.js';

/** Longer than the storage lingers after its last holder let go (one second). */
const PAST_LINGER_MS = 1300;

/**
 * Work a Catalan page starts and leaves running (runInLanguage's own fn returns at once, so it does not hold the
 * storage): the language that work reads once the linger is over.
 */
function languagePastLinger(): Promise<string> {
  let later: Promise<string> = Promise.resolve('never started');
  runInLanguage('ca', () => {
    later = (async () => {
      await sleep(PAST_LINGER_MS);
      return currentLanguage();
    })();
  });
  return later;
}

describe('the reader\'s language storage', () => {
  it('carries the language through awaits and timers while runInLanguage\'s promise is pending', async () => {
    const words = await runInLanguage('ca', async () => {
      await sleep(PAST_LINGER_MS);
      await new Promise((resolve) => setImmediate(resolve));
      return [t('nav.services'), currentLanguage()];
    });
    assert.deepEqual(words, ['Serveis', 'ca']);
    assert.equal(currentLanguage(), 'en', 'outside any reader: English');
  });

  it('keeps the language for work a page left running while another page holds the storage', async () => {
    const page = holdReaderLanguage();
    const later = languagePastLinger();
    const other = holdReaderLanguage();
    page();
    assert.equal(await later, 'ca');
    other();
  });

  it('is switched off once nothing holds it: work left running past the linger reads English', async () => {
    const page = holdReaderLanguage();
    const later = languagePastLinger();
    page();
    page(); // a second release (the response's close after its finish) counts once
    assert.equal(await later, 'en');
    // And on again for the next reader.
    assert.equal(await runInLanguage('ca', async () => {
      await sleep(5);
      return t('nav.services');
    }), 'Serveis');
  });
});
