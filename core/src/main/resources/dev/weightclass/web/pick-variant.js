// pick-variant.js: choose the best model variant this browser can run. No dependencies.
//
//   import { pickVariant } from './pick-variant.js';
//   const manifest = await (await fetch('variants.json')).json();
//   const { variant, url, reason } = await pickVariant(manifest, { baseUrl: '/models' });
//
// The manifest is what 'weightclass export-web' writes. Variants are listed best first; the
// first one that passes every check wins. The checks are those of 'weightclass fit --runtime
// webgpu' for a probed browser: WebGPU present, largest tensor within maxBufferSize and
// maxStorageBufferBindingSize, download within the storage quota, memory within the share of RAM
// a tab's GPU buffers may take. options.overrides replaces probed values (for tests, or when the
// app knows better): deviceMemory (GiB), hardwareConcurrency, webgpu (false for none, or
// {maxBufferSize, maxStorageBufferBindingSize, features}), storageQuota (bytes), downlink (Mbit/s).

const GIB = 1073741824;

/** What the browser tells about this device; null where an API is missing. */
export async function probeDevice(overrides = {}) {
  const nav = typeof navigator === 'undefined' ? {} : navigator;
  const device = {
    deviceMemory: typeof nav.deviceMemory === 'number' ? nav.deviceMemory : null,
    hardwareConcurrency: typeof nav.hardwareConcurrency === 'number' ? nav.hardwareConcurrency : null,
    webgpu: null,
    storageQuota: null,
    downlink: nav.connection && typeof nav.connection.downlink === 'number' && nav.connection.downlink > 0
      ? nav.connection.downlink : null,
    missing: [],
  };
  if (!('webgpu' in overrides)) device.webgpu = await probeWebGpu(nav, device.missing);
  if (!('storageQuota' in overrides)) {
    try {
      if (nav.storage && nav.storage.estimate) {
        const e = await nav.storage.estimate();
        if (typeof e.quota === 'number') device.storageQuota = Math.max(0, e.quota - (e.usage || 0));
      }
    } catch (e) { /* reported as missing below */ }
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) device[k] = k === 'webgpu' && v === false ? null : v;
  }
  if (device.deviceMemory == null) device.missing.push('navigator.deviceMemory');
  if (device.webgpu == null && !device.missing.some(m => m.startsWith('WebGPU'))) device.missing.push('WebGPU');
  if (device.storageQuota == null) device.missing.push('navigator.storage.estimate()');
  if (device.downlink == null) device.missing.push('navigator.connection.downlink');
  return device;
}

async function probeWebGpu(nav, missing) {
  if (!nav.gpu || !nav.gpu.requestAdapter) {
    missing.push('WebGPU (navigator.gpu absent)');
    return null;
  }
  try {
    const adapter = await nav.gpu.requestAdapter();
    if (!adapter) {
      missing.push('WebGPU (no adapter)');
      return null;
    }
    let info = adapter.info || null;
    if (!info && adapter.requestAdapterInfo) {
      try { info = await adapter.requestAdapterInfo(); } catch (e) { info = null; }
    }
    return {
      maxBufferSize: Number(adapter.limits.maxBufferSize),
      maxStorageBufferBindingSize: Number(adapter.limits.maxStorageBufferBindingSize),
      features: Array.from(adapter.features || []),
      adapter: info ? { vendor: info.vendor || '', architecture: info.architecture || '',
        device: info.device || '', description: info.description || '' } : {},
    };
  } catch (e) {
    missing.push(`WebGPU (${e.message})`);
    return null;
  }
}

/** The WebGPU memory budget of a probed device, with the manifest's assumptions. */
export function webGpuBudget(manifest, device) {
  const a = manifest.device_assumptions;
  const mem = device.deviceMemory != null ? device.deviceMemory : a.default_device_memory_gib;
  const ram = Math.floor(mem * GIB);
  const reserved = Math.floor(mem * a.os_reserved_fraction * GIB);
  return Math.floor(Math.max(0, ram - reserved) * a.browser_share);
}

/** Checks one variant against a device: {fits, limit, reason}; limit names as 'fit --json' does. */
export function checkVariant(manifest, variant, device) {
  const gpu = device.webgpu;
  const need = variant.webgpu.required_limits;
  const mem = variant.memory_bytes.webgpu;
  if (!gpu) return { fits: false, limit: 'no_webgpu', reason: 'this browser has no WebGPU' };
  for (const f of variant.webgpu.required_features || []) {
    if (!(gpu.features || []).includes(f)) return { fits: false, limit: 'feature', reason: `needs WebGPU feature ${f}` };
  }
  if (need.maxBufferSize > gpu.maxBufferSize) {
    return { fits: false, limit: 'buffer_size', reason: `largest tensor ${human(need.maxBufferSize)} is above maxBufferSize ${human(gpu.maxBufferSize)}` };
  }
  if (need.maxStorageBufferBindingSize > gpu.maxStorageBufferBindingSize) {
    return { fits: false, limit: 'tensor_binding', reason: `largest tensor ${human(need.maxStorageBufferBindingSize)} is above maxStorageBufferBindingSize ${human(gpu.maxStorageBufferBindingSize)}` };
  }
  if (device.storageQuota != null && variant.bytes > device.storageQuota) {
    return { fits: false, limit: 'storage_quota', reason: `download ${human(variant.bytes)} exceeds the storage quota ${human(device.storageQuota)}` };
  }
  const budget = webGpuBudget(manifest, device);
  if (mem > budget) return { fits: false, limit: 'gpu_memory', reason: `needs ${human(mem)} but only ${human(budget)} for WebGPU buffers` };
  return { fits: true, limit: 'gpu_memory', reason: `fits: ${human(mem)} of ${human(budget)} for WebGPU buffers` };
}

/** Pure choice for a known device: the first listed variant that fits. */
export function chooseVariant(manifest, device, options = {}) {
  const checked = manifest.variants.map(v => ({ id: v.id, type: v.type, ...checkVariant(manifest, v, device) }));
  const i = checked.findIndex(c => c.fits);
  const variant = i < 0 ? null : manifest.variants[i];
  const base = (options.baseUrl == null ? '.' : options.baseUrl).replace(/\/$/, '');
  const seconds = variant && device.downlink ? variant.bytes * 8 / (device.downlink * 1e6) : null;
  const reason = variant
    ? `${variant.id}: ${checked[i].reason}` + (i > 0 ? `; better variants do not fit (${checked.slice(0, i).map(c => `${c.type}: ${c.limit}`).join(', ')})` : '')
    : `no variant fits: ${checked.map(c => `${c.type}: ${c.reason}`).join('; ')}`;
  return { variant, url: variant ? variant.url.replace('{base}', base) : null, reason, downloadSeconds: seconds, checked, device };
}

/** Probes the device (with options.overrides) and returns the best variant that fits, with the reason. */
export async function pickVariant(manifest, options = {}) {
  if (!manifest || !Array.isArray(manifest.variants)) throw new Error('pickVariant: manifest has no variants array');
  const device = await probeDevice(options.overrides || {});
  return chooseVariant(manifest, device, options);
}

function human(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${bytes} B` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}
