// Boots the form editor (@bpmn-io/form-js, loaded before this file) on the admin form page. Served from 'self': the
// page has no inline script. Without JavaScript the page stays a plain form: the JSON in the textarea is posted.
(function () {
  'use strict';
  var host = document.getElementById('form-editor');
  var form = document.getElementById('form-editor-form');
  var source = document.getElementById('schema');
  var status = document.getElementById('form-editor-status');
  var lib = window.FormEditor;
  if (!host || !form || !source || !lib || typeof lib.FormEditor !== 'function') return;
  var editor = new lib.FormEditor({ container: host });
  window.govflowFormEditor = editor;
  var group = document.getElementById('schema-group');
  var schema;
  try {
    schema = JSON.parse(source.value);
  } catch (error) {
    if (status) status.textContent = 'The form is not readable JSON: edit it as text.';
    return;
  }
  if (group) group.hidden = true;
  host.hidden = false;
  editor.importSchema(schema).then(function () {
    host.setAttribute('data-ready', 'true');
    if (status) status.textContent = 'The form is ready to edit.';
  }).catch(function (error) {
    if (group) group.hidden = false;
    host.hidden = true;
    if (status) status.textContent = 'The form could not be shown (' + (error && error.message ? error.message : 'unknown error') + '). Edit the JSON instead.';
  });
  var saving = false;
  form.addEventListener('submit', function (event) {
    if (saving || (group && !group.hidden)) return;
    event.preventDefault();
    source.value = JSON.stringify(editor.saveSchema(), null, 2);
    saving = true;
    form.submit();
  });
})();
