/**
 * Serves nothing itself: the text of /assistant/widget.js, the progressive chat widget. With script on, the
 * assistant's form posts to the JSON API and the reply is added to the conversation in place (a polite live
 * region announces it); every text goes in with textContent and only same-site paths become links. Without script,
 * or when the API call fails, the form posts as it always does.
 */
export const WIDGET_SCRIPT = `(function () {
  'use strict';
  var form = document.getElementById('assistant-form');
  var log = document.getElementById('assistant-live');
  if (!form || !log || !window.fetch) return;
  var who = { citizen: 'You', assistant: 'Assistant' };
  function add(role, text, links) {
    var box = document.createElement('div');
    box.className = 'govuk-!-margin-bottom-4 assistant-message assistant-message--' + role;
    var h = document.createElement('h3');
    h.className = 'govuk-heading-s govuk-!-margin-bottom-1';
    h.textContent = who[role];
    var p = document.createElement('p');
    p.className = 'govuk-body';
    p.textContent = text;
    box.appendChild(h);
    box.appendChild(p);
    if (links && links.length) {
      var ul = document.createElement('ul');
      ul.className = 'govuk-list govuk-body-s';
      links.forEach(function (l) {
        if (typeof l.href !== 'string' || !/^\\/(?!\\/)/.test(l.href)) return;
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.className = 'govuk-link';
        a.href = l.href;
        a.textContent = l.label;
        li.appendChild(a);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    log.appendChild(box);
  }
  form.addEventListener('submit', function (event) {
    var text = form.elements.namedItem('text').value.trim();
    if (text === '') return;
    event.preventDefault();
    var c = form.elements.namedItem('c');
    var body = { text: text };
    if (c && c.value) body.conversationId = c.value;
    fetch('/api/assistant/messages', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': form.elements.namedItem('csrf').value }, body: JSON.stringify(body) })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (reply) {
        add('citizen', text);
        var links = reply.sources.map(function (s) { return { href: s.url, label: 'Source: ' + s.title }; }).concat(reply.actions.map(function (a) { return { href: a.href, label: a.label }; }));
        add('assistant', reply.answer, links);
        if (!c) { c = document.createElement('input'); c.type = 'hidden'; c.name = 'c'; form.appendChild(c); }
        c.value = reply.conversationId;
        form.elements.namedItem('text').value = '';
      })
      .catch(function () { form.submit(); });
  });
})();
`;
