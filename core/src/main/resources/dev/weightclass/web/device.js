// "This device": probe the browser, ask the server's fit model for a verdict, and run
// pick-variant.js on the model's manifest with the same values.
import { probeDevice, chooseVariant } from './pick-variant.js';

const fmt = new Intl.NumberFormat('en-US');
const params = new URLSearchParams(location.search);
const OVERRIDES = ['deviceMemory', 'maxBufferSize', 'maxStorageBufferBindingSize', 'storageQuota', 'downlink'];

function human(bytes) {
  if (bytes == null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${bytes} B` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

function seconds(s) {
  if (s == null) return '-';
  if (s < 60) return `${s.toFixed(0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function overrides() {
  const o = {};
  for (const k of OVERRIDES) {
    const v = params.get(k);
    if (v != null && v !== '') o[k] = Number(v);
  }
  const gpuGiven = params.get('maxBufferSize') || params.get('maxStorageBufferBindingSize');
  if (params.get('webgpu') === '0') o.webgpu = false;
  else if (gpuGiven) {
    o.webgpu = { maxBufferSize: Number(params.get('maxBufferSize') || params.get('maxStorageBufferBindingSize')),
      maxStorageBufferBindingSize: Number(params.get('maxStorageBufferBindingSize') || params.get('maxBufferSize')),
      features: (params.get('features') || '').split(',').filter(Boolean), adapter: { description: 'overridden' } };
  }
  delete o.maxBufferSize;
  delete o.maxStorageBufferBindingSize;
  return o;
}

function row(tbody, label, value, present, key) {
  const r = tbody.insertRow();
  const th = document.createElement('th');
  th.textContent = label;
  r.append(th);
  const td = r.insertCell();
  td.textContent = present ? value : `not available: ${value}`;
  td.className = present ? 'present' : 'missing';
  if (key) td.dataset.key = key;
}

function showProbe(d, given) {
  const t = document.querySelector('#probe-table tbody');
  const src = k => (k in given ? ' (overridden)' : '');
  row(t, 'navigator.deviceMemory', d.deviceMemory != null ? `${d.deviceMemory} GiB${src('deviceMemory')} (browsers cap it at 8 and round it)` : 'not exposed (Firefox, Safari)', d.deviceMemory != null, 'deviceMemory');
  row(t, 'navigator.hardwareConcurrency', d.hardwareConcurrency != null ? `${d.hardwareConcurrency} logical cores` : 'not exposed', d.hardwareConcurrency != null, 'hardwareConcurrency');
  const g = d.webgpu;
  row(t, 'WebGPU adapter', g ? (Object.values(g.adapter || {}).filter(Boolean).join(' ') || 'present (no adapter info)') + src('webgpu') : 'no WebGPU in this browser (or no adapter)', !!g, 'webgpu');
  row(t, 'maxBufferSize', g ? `${fmt.format(g.maxBufferSize)} bytes (${human(g.maxBufferSize)})` : 'no WebGPU', !!g, 'maxBufferSize');
  row(t, 'maxStorageBufferBindingSize', g ? `${fmt.format(g.maxStorageBufferBindingSize)} bytes (${human(g.maxStorageBufferBindingSize)})` : 'no WebGPU', !!g, 'maxStorageBufferBindingSize');
  row(t, 'shader-f16', g ? ((g.features || []).includes('shader-f16') ? 'supported' : 'not supported (16-bit weights still load, more slowly)') : 'no WebGPU', !!g, 'shaderF16');
  row(t, 'storage quota left', d.storageQuota != null ? `${fmt.format(d.storageQuota)} bytes (${human(d.storageQuota)})${src('storageQuota')}` : 'navigator.storage.estimate() unavailable', d.storageQuota != null, 'storageQuota');
  row(t, 'downlink', d.downlink != null ? `${d.downlink} Mbit/s${src('downlink')}` : 'navigator.connection.downlink unavailable: 50 Mbit/s assumed', d.downlink != null, 'downlink');
}

async function fillModels(current) {
  const sel = document.getElementById('model-select');
  try {
    const data = await (await fetch('/api/models')).json();
    for (const m of [...data.models, ...data.catalog]) {
      const o = document.createElement('option');
      o.value = o.textContent = m.id;
      if (m.id === current) o.selected = true;
      sel.append(o);
    }
  } catch (e) { /* the verdict below reports errors */ }
}

async function main() {
  const model = params.get('m');
  const runtime = params.get('runtime') || 'webgpu';
  const ctx = params.get('ctx');
  document.getElementById('runtime-select').value = runtime;
  if (ctx) document.getElementById('ctx-input').value = ctx;
  const given = overrides();
  const device = await probeDevice(given);
  window.weightclassProbe = { device };
  showProbe(device, given);
  await fillModels(model);
  const banner = document.getElementById('webgpu-banner');
  if (!device.webgpu) {
    banner.hidden = false;
    banner.textContent = 'WebGPU is not available here, so in-browser GPU runtimes cannot run. '
      + 'Choose the onnxruntime or llama.cpp runtime above for a CPU (WebAssembly-class) estimate.';
  }
  const best = document.getElementById('best');
  if (!model) {
    best.textContent = 'Choose a model above.';
    document.body.dataset.state = 'done';
    return;
  }
  const body = {
    model, runtime, ctx: ctx ? Number(ctx) : null,
    probe: { deviceMemory: device.deviceMemory, hardwareConcurrency: device.hardwareConcurrency,
      webgpu: device.webgpu, storageQuota: device.storageQuota, downlink: device.downlink },
  };
  const res = await fetch('/api/probe', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) {
    best.textContent = `Error: ${data.error}`;
    best.className = 'verdict missing';
    document.body.dataset.state = 'error';
    return;
  }
  window.weightclassProbe.verdict = data;
  const tbody = document.querySelector('#verdicts tbody');
  for (const r of data.fit.results) {
    const tr = tbody.insertRow();
    tr.dataset.variant = r.variant;
    tr.dataset.format = r.format;
    tr.dataset.fits = r.fits;
    tr.dataset.binding = r.binding_limit;
    tr.dataset.required = r.memory.required_bytes;
    for (const [text, cls] of [[r.variant], [r.format], [human(r.file_bytes), 'num'], [human(r.memory.required_bytes), 'num'],
      [r.fits ? 'yes' : 'no', r.fits ? 'fits' : 'nofit'], [r.binding_limit], [r.reason], [seconds(r.download_seconds), 'num']]) {
      const td = tr.insertCell();
      td.textContent = text;
      if (cls) td.className = cls;
    }
  }
  const rec = data.fit.recommendations[0];
  best.textContent = rec.variant
    ? `Best variant here: ${rec.variant} (${rec.format}). ${rec.text}`
    : `Nothing fits: ${rec.text}`;
  best.className = `verdict ${rec.variant ? 'present' : 'missing'}`;
  best.dataset.variant = rec.variant || '';
  for (const a of data.assumptions) {
    const li = document.createElement('li');
    li.textContent = a;
    document.getElementById('assumptions').append(li);
  }
  document.getElementById('cli').textContent = data.cli;
  document.getElementById('device-json').textContent = JSON.stringify(data.cli_devices_file, null, 2);
  if (runtime === 'webgpu') {
    try {
      const q = ctx ? `?ctx=${encodeURIComponent(ctx)}` : '';
      const manifest = await (await fetch(`/api/models/${encodeURIComponent(model)}/export${q}`)).json();
      const pick = chooseVariant(manifest, device, { baseUrl: manifest.base_hint || '.' });
      window.weightclassProbe.pick = pick;
      const p = document.getElementById('pick');
      p.textContent = `pick-variant.js on this model's variants.json: ${pick.variant ? pick.variant.type + ' (' + pick.variant.format + ')' : 'nothing fits'}. ${pick.reason}`;
      p.dataset.variant = pick.variant ? pick.variant.type : '';
    } catch (e) {
      document.getElementById('pick').textContent = `pick-variant.js: ${e.message}`;
    }
  }
  document.body.dataset.state = 'done';
}

main().catch(e => {
  document.getElementById('best').textContent = `Error: ${e.message}`;
  document.body.dataset.state = 'error';
});
