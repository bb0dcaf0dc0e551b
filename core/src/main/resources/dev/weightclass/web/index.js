// The model list: folder models and the built-in catalog, from /api/models.
const fmt = new Intl.NumberFormat('en-US');

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function links(row, id) {
  const td = row.insertCell();
  const q = encodeURIComponent(id);
  for (const [href, label] of [[`/model?m=${q}`, 'model page'], [`/device?m=${q}`, 'fits this device?'], [`/compare?m=${q}`, 'compare variants']]) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = label;
    td.append(a, ' ');
  }
}

async function main() {
  const status = document.getElementById('status');
  try {
    const res = await fetch('/api/models');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    document.getElementById('folder-name').textContent = data.folder ? `(${data.folder})` : '';
    const folder = document.querySelector('#folder-models tbody');
    for (const m of data.models) {
      const r = folder.insertRow();
      cell(r, m.id);
      cell(r, m.bytes == null ? 'folder' : fmt.format(m.bytes), 'num');
      links(r, m.id);
    }
    document.getElementById('folder-empty').hidden = data.models.length > 0;
    const cat = document.querySelector('#catalog-models tbody');
    for (const m of data.catalog) {
      const r = cat.insertRow();
      cell(r, m.id);
      cell(r, m.architecture);
      cell(r, m.parameters > 0 ? fmt.format(m.parameters) : '-', 'num');
      cell(r, m.hf || '');
      links(r, m.id);
    }
    status.textContent = `${data.models.length} folder models, ${data.catalog.length} catalog models.`;
  } catch (e) {
    status.textContent = `Could not load the model list: ${e.message}`;
    status.className = 'missing';
  }
}

main();
