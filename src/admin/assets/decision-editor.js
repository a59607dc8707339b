// Boots the decision-table editor (dmn-js, loaded before this file) on the admin decision editor page, opened on
// the table of the decision in the page's address. Served from 'self': the page has no inline script. Without
// JavaScript the page stays a plain form: the XML in the textarea is posted (and the test panel reads the same).
(function () {
  'use strict';
  var host = document.getElementById('decision-editor');
  var form = document.getElementById('decision-form');
  var evaluate = document.getElementById('evaluate-form');
  var source = document.getElementById('xml');
  var status = document.getElementById('decision-editor-status');
  if (!host || !form || !source || typeof window.DmnJS !== 'function') return;
  var key = decodeURIComponent(window.location.pathname.split('/').pop() || '');
  var modeler = new window.DmnJS({ container: host });
  // Tests (and the curious, in the console) reach the editor: govflowDmnModeler.getActiveViewer().
  window.govflowDmnModeler = modeler;
  var group = document.getElementById('xml-group');
  modeler.importXML(source.value).then(function () {
    var views = modeler.getViews();
    var table = views.filter(function (v) { return v.type === 'decisionTable' && v.element.id === key; })[0]
      || views.filter(function (v) { return v.type === 'decisionTable'; })[0];
    return table ? modeler.open(table) : undefined;
  }).then(function () {
    if (group) group.hidden = true;
    host.hidden = false;
    host.setAttribute('data-ready', 'true');
    if (status) status.textContent = 'The decision table is ready to edit.';
  }).catch(function (error) {
    if (status) status.textContent = 'The table could not be shown (' + (error && error.message ? error.message : 'unknown error') + '). Edit the XML instead.';
  });
  // Both forms send the table as edited: saving deploys it, the test panel evaluates it.
  function sendWithXml(target, field) {
    var sending = false;
    target.addEventListener('submit', function (event) {
      if (sending || host.hidden) return;
      event.preventDefault();
      modeler.saveXML({ format: true }).then(function (result) {
        field.value = result.xml;
        sending = true;
        target.submit();
      }).catch(function (error) {
        if (status) status.textContent = 'The table could not be saved: ' + (error && error.message ? error.message : 'unknown error');
      });
    });
  }
  sendWithXml(form, source);
  if (evaluate) sendWithXml(evaluate, evaluate.querySelector('input[name="xml"]'));
})();
