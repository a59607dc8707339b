// Boots the BPMN modeller (bpmn-js, loaded before this file) on the admin modeller page. Served from 'self': the
// page has no inline script. Without JavaScript the page stays a plain form: the XML in the textarea is posted.
(function () {
  'use strict';
  var host = document.getElementById('modeller-canvas');
  var form = document.getElementById('modeller-form');
  var source = document.getElementById('xml');
  var status = document.getElementById('modeller-status');
  if (!host || !form || !source || typeof window.BpmnJS !== 'function') return;
  // The properties panel (job types, conditions, timers, forms, assignments, I/O mappings) with the Zeebe
  // provider: the extension elements govflow's engine compiles. Without it, the plain modeller still works.
  var panel = window.BpmnJSPropertiesPanel;
  var properties = document.getElementById('modeller-properties');
  var withPanel = panel && properties && window.govflowZeebeModdle;
  var modeler = new window.BpmnJS(withPanel ? {
    container: host,
    propertiesPanel: { parent: properties },
    additionalModules: [panel.BpmnPropertiesPanelModule, panel.BpmnPropertiesProviderModule, panel.ZeebePropertiesProviderModule],
    moddleExtensions: { zeebe: window.govflowZeebeModdle }
  } : { container: host });
  if (withPanel) properties.hidden = false;
  // Tests (and the curious, in the console) reach the modeller's services: modeler.get('modeling').
  window.govflowModeler = modeler;
  var group = document.getElementById('xml-group');
  if (group) group.hidden = true;
  host.hidden = false;
  // Opening a sub-process (drill-down) shows a new plane: fit it to the canvas as the first one is.
  modeler.on('root.set', function () {
    setTimeout(function () { modeler.get('canvas').zoom('fit-viewport'); }, 0);
  });
  modeler.importXML(source.value).then(function () {
    modeler.get('canvas').zoom('fit-viewport');
    host.setAttribute('data-ready', 'true');
    if (status) status.textContent = 'The diagram is ready to edit.';
  }).catch(function (error) {
    if (group) group.hidden = false;
    host.hidden = true;
    if (status) status.textContent = 'The diagram could not be shown (' + (error && error.message ? error.message : 'unknown error') + '). Edit the XML instead.';
  });
  var saving = false;
  form.addEventListener('submit', function (event) {
    if (saving || (group && !group.hidden)) return;
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (result) {
      source.value = result.xml;
      saving = true;
      form.submit();
    }).catch(function (error) {
      if (status) status.textContent = 'The diagram could not be saved: ' + (error && error.message ? error.message : 'unknown error');
    });
  });
})();
