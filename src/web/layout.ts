import { currentLanguage, currentUrl, htmlLang, LANGUAGE_NAMES, LANGUAGES, t, textDirection, translate, unavailableLanguage, type AnyLanguage } from '../i18n/index.js';
import { html, type HtmlValue, type SafeHtml } from './html.js';
import { setTimeZone } from './time-zone.js';

export const SITE_NAME = 'govflow demo municipality';

/**
 * Demo or production, for every page of this process: the demo carries a "Demo" phase banner and labels its demo
 * sign-in, so nobody mistakes it for a real service; production (`GOVFLOW_ENV=production`) shows neither. Set once
 * by the composition root at start-up.
 */
let demoSite = true;
let siteName = SITE_NAME;
export function configureSite(site: { demo: boolean; name?: string; timeZone?: string }): void {
  if (site.timeZone) setTimeZone(site.timeZone);
  demoSite = site.demo;
  siteName = site.name ?? SITE_NAME;
}

/** The site's name as configured (the web app manifest names the app after it). */
export const currentSiteName = (): string => siteName;

export interface NavigationItem {
  readonly href: string;
  readonly label: string;
  readonly key: string;
}

/** The citizen portal's navigation; the workbench and admin pass their own. */
const citizenNavigationSignedIn = (): readonly NavigationItem[] => [{ href: '/', label: t('nav.services'), key: 'home' }, { href: '/applications', label: t('nav.applications'), key: 'applications' }];
const citizenNavigationSignedOut = (): readonly NavigationItem[] => [{ href: '/', label: t('nav.services'), key: 'home' }, { href: '/sign-in', label: demoSite ? t('nav.signInDemo') : t('nav.signIn'), key: 'sign-in' }];

/**
 * The current address for each other language: the switcher's `lang` parameter replaces any the address had. The
 * address is parsed once per page, not once per language.
 */
function addressesIn(): (language: string) => string {
  const url = new URL(currentUrl() ?? '/', 'http://x');
  const query = url.searchParams;
  return (language) => {
    query.set('lang', language);
    return `${url.pathname}?${query.toString()}`;
  };
}

/** When a page's content is not offered in the reader's language: said in that language, marked with its `lang`. */
function notOfferedNotice(): SafeHtml | '' {
  const asked = unavailableLanguage();
  if (!asked) return '';
  return html`<div class="govuk-inset-text" lang="${htmlLang(asked)}" id="language-not-offered">${translate(asked, 'layout.notOffered')}</div>`;
}

/**
 * The GOV.UK language switcher: every language named in itself and marked with its own `lang` (WCAG 3.1.2), the
 * current one not a link. A choice is kept in a cookie by the page edge, so the next pages stay in it.
 */
function languageSwitcher(): SafeHtml {
  const current = currentLanguage();
  // The same page in the same language has the same switcher: kept by address (short addresses only, a bounded
  // set emptied when full, so odd addresses cannot grow it).
  const url = currentUrl() ?? '/';
  if (url.length > SWITCHER_URL_LIMIT) return switcherIn(current);
  const id = `${current}\u0000${url}`;
  let switcher = switchers.get(id);
  if (!switcher) {
    if (switchers.size >= SWITCHERS_LIMIT) switchers.clear();
    switchers.set(id, (switcher = switcherIn(current)));
  }
  return switcher;
}
const switchers = new Map<string, SafeHtml>();
const SWITCHERS_LIMIT = 1000;
const SWITCHER_URL_LIMIT = 200;

function switcherIn(current: AnyLanguage): SafeHtml {
  const addressIn = addressesIn();
  return html`<nav class="govflow-language-switcher" aria-label="${t('layout.languages')}"><ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">
${LANGUAGES.map((l) => (l === current
    ? html`<li class="govflow-language-switcher__item"><span aria-current="true" lang="${l}">${LANGUAGE_NAMES[l]}</span></li>`
    : html`<li class="govflow-language-switcher__item"><a class="govuk-link" href="${addressIn(l)}" hreflang="${l}" lang="${l}">${LANGUAGE_NAMES[l]}</a></li>`))}
</ul></nav>`;
}

export interface PageOptions {
  readonly title: string;
  readonly content: HtmlValue;
  /** The signed-in person's name, for the header's navigation. */
  readonly citizen?: string | null;
  /** Navigation items instead of the citizen portal's; `current` names the active one by key. */
  readonly navigation?: readonly NavigationItem[];
  /** The name of the part of the site in the header (e.g. "Staff workbench"); the site name links home. */
  readonly section?: { readonly name: string; readonly href: string };
  /** Links about the signed-in person's account, beside their name (the citizen's "Who has seen my data"). */
  readonly accountLinks?: readonly { readonly href: string; readonly label: string }[];
  /** Where the sign-out form posts (default /sign-out). */
  readonly signOutAction?: string;
  /** Scripts from 'self' (the modeller pages); no page has inline script. */
  readonly scripts?: readonly string[];
  readonly stylesheets?: readonly string[];
  /** More elements for <head>: a page's Open Graph and Twitter-card metadata, its feeds' alternate links. */
  readonly head?: HtmlValue;
  /** Wider than the GOV.UK reading width (staff pages with tables). */
  readonly wide?: boolean;
  /** Show the language switcher (the citizen portal's pages always; a staff area once its pages are translated). */
  readonly languageSwitcher?: boolean;
  readonly csrfToken?: string;
  readonly backLink?: string;
  readonly hasErrors?: boolean;
  readonly current?: string;
  /**
   * A citizen's page that carries the installable app (issue 18): the manifest, the app icons and the small script
   * registering the service worker (app-shell.ts). The page must be answered with APP_SECURITY_HEADERS (the page
   * edge's `app` option does it); without script the page works the same.
   */
  readonly app?: boolean;
}

/**
 * The page template: GOV.UK Frontend's structure with a brand-neutral header, no script at all. The title's dash is
 * an entity: one character above U+00FF makes the whole page a two-byte string, which costs twice as much to measure
 * and encode for every response, while an English page is otherwise Latin-1.
 */
export function page(options: PageOptions): SafeHtml {
  const navigation = options.navigation ?? (options.citizen ? citizenNavigationSignedIn() : citizenNavigationSignedOut());
  const nav = (href: string, label: string, key: string): SafeHtml => options.current === key
    ? html`<li class="govuk-service-navigation__item govuk-service-navigation__item--active"><a class="govuk-service-navigation__link" href="${href}" aria-current="page"><strong class="govuk-service-navigation__active-fallback">${label}</strong></a></li>`
    : html`<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="${href}">${label}</a></li>`;
  const language = currentLanguage();
  return html`<!DOCTYPE html>
<html lang="${htmlLang(language)}" dir="${textDirection(language)}" class="govuk-template">
<head>
<meta charset="utf-8">
<title>${options.hasErrors ? t('layout.errorPrefix') : ''}${options.title} &ndash; ${siteName}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#0b0c0c">
<link rel="icon" sizes="48x48" href="/assets/images/favicon.ico">
<link rel="stylesheet" href="/assets/govuk-frontend.min.css">
${(options.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
${options.app ? html`<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" type="image/svg+xml" href="/app-icon.svg">
<link rel="apple-touch-icon" href="/app-icon-192.png">
<script src="/app.js" defer></script>
` : ''}${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
${options.head ?? ''}
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link">${t('layout.skipLink')}</a>
<header class="govuk-generic-header">
<div class="govuk-generic-header__container govuk-width-container">
<div class="govuk-generic-header__logo">
<a href="/" class="govuk-generic-header__homepage-link">${siteName}</a>
</div>

</div>
</header>
<section aria-label="${t('layout.serviceInformation')}" class="govuk-service-navigation">
<div class="govuk-width-container">
<div class="govuk-service-navigation__container">
${options.section ? html`<span class="govuk-service-navigation__service-name"><a href="${options.section.href}" class="govuk-service-navigation__link">${options.section.name}</a></span>` : ''}
<nav aria-label="${t('layout.menu')}" class="govuk-service-navigation__wrapper">
<ul class="govuk-service-navigation__list" id="navigation">
${navigation.map((n) => nav(n.href, n.label, n.key))}
</ul>
</nav>
${options.citizen && options.csrfToken ? html`<form method="post" action="${options.signOutAction ?? '/sign-out'}" class="govflow-sign-out">
<input type="hidden" name="csrf" value="${options.csrfToken}">
<p class="govuk-body-s govuk-!-margin-bottom-0 govuk-!-margin-top-2">${demoSite ? t('layout.signedInAsDemo', { name: options.citizen }) : t('layout.signedInAs', { name: options.citizen })}${options.accountLinks ? html` · ${options.accountLinks.map((l, i) => html`${i > 0 ? ' · ' : ''}<a class="govuk-link" href="${l.href}">${l.label}</a>`)}` : ''} <button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0 govuk-!-margin-left-2" data-module="govuk-button">${t('layout.signOut')}</button></p>
</form>` : ''}
</div>
</div>
</section>
<div class="govuk-width-container${options.wide ? ' govflow-wide' : ''}">
${demoSite ? html`<div class="govuk-phase-banner">
<p class="govuk-phase-banner__content"><strong class="govuk-tag govuk-phase-banner__content__tag">${t('layout.demoTag')}</strong><span class="govuk-phase-banner__text">${t('layout.demoBanner')}</span></p>
</div>` : ''}
${(options.languageSwitcher ?? !options.navigation) ? languageSwitcher() : ''}
${notOfferedNotice()}
${options.backLink ? html`<a href="${options.backLink}" class="govuk-back-link">${t('layout.back')}</a>` : ''}
<main class="govuk-main-wrapper" id="main-content">
${options.content}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<p class="govuk-body-s govuk-!-margin-bottom-0">${t('layout.footer', { site: siteName })}</p>
</div>
</div>
</div>
</footer>
</body>
</html>
`;
}
