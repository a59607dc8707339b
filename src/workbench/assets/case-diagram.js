// Boots the bpmn-js viewer on the staff case page (no inline script: the page's CSP allows scripts from 'self'
// only). The page carries the URL of the case's BPMN XML and the ids of the active and completed elements as
// data attributes; without JavaScript the page says the current steps in text instead.
(function () {
  'use strict';
  var container = document.getElementById('case-diagram');
  if (!container || typeof window.BpmnJS !== 'function') return;
  var split = function (name) { return (container.getAttribute(name) || '').split(' ').filter(Boolean); };
  var active = split('data-active');
  var completed = split('data-completed');
  var scopes = split('data-active-scopes');
  var viewer = new window.BpmnJS({ container: container, height: 460 });
  container.setAttribute('data-state', 'loading');
  fetch(container.getAttribute('data-src'), { credentials: 'same-origin', headers: { accept: 'application/xml' } })
    .then(function (response) {
      if (!response.ok) throw new Error('the diagram could not be loaded (' + response.status + ')');
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      completed.forEach(function (id) { if (registry.get(id) && active.indexOf(id) < 0) canvas.addMarker(id, 'govflow-completed'); });
      scopes.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, 'govflow-active-scope'); });
      active.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, 'govflow-active'); });
      canvas.zoom('fit-viewport', 'auto');
      container.setAttribute('data-state', 'rendered');
    })
    .catch(function (error) {
      container.setAttribute('data-state', 'failed');
      var p = document.createElement('p');
      p.className = 'govuk-body';
      p.textContent = 'The diagram cannot be shown: ' + (error && error.message ? error.message : 'unknown error') + '. The current steps are listed above.';
      container.appendChild(p);
    });
})();
