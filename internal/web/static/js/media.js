// Attachments, link previews and voice notes in the chat: how a message's
// files show (an image grid with a viewer, players, file cards), links made
// clickable (dom.js's linkify), the preview card, and the composer's attacher (button, paste,
// drag and drop, upload progress, voice notes recorded with MediaRecorder).
// Every string from a user goes through text nodes (dom.js's h).

import { h } from './dom.js';

const MAX_FILES = 10;

function formatDuration(ms) {
  const s = Math.round((ms || 0) / 1000);
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}

function formatSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

// attachmentsEl shows a message's attachments: images in a grid (their
// stored size reserves the space, so nothing jumps), players for audio
// and video, and cards for files (downloads).
export function attachmentsEl(m) {
  const atts = m.attachments || [];
  if (!atts.length || m.deleted) return null;
  const images = atts.filter((a) => a.kind === 'image');
  const rest = atts.filter((a) => a.kind !== 'image');
  return h('div', { class: 'attachments' },
    images.length ? h('div', { class: 'att-grid n' + Math.min(images.length, 4) }, images.map((a) => h('button', {
      type: 'button', class: 'att-image', 'aria-label': 'Open ' + a.name, onclick: () => openViewer(images, a),
    }, h('img', {
      src: a.thumbnail_url || a.url, alt: a.name, loading: 'lazy', width: String(a.width || ''), height: String(a.height || ''),
    })))) : null,
    rest.map((a) => {
      if (a.kind === 'audio') {
        return h('div', { class: 'att-audio voice' },
          h('span', { class: 'wave', 'aria-hidden': 'true' }, '▁▃▅▇▅▃▂▄▆▃▁'),
          h('audio', { controls: true, preload: 'metadata', src: a.url, 'aria-label': 'Voice note ' + formatDuration(a.duration_ms) }),
          h('span', { class: 'duration' }, formatDuration(a.duration_ms)));
      }
      if (a.kind === 'video') {
        return h('video', { class: 'att-video', controls: true, preload: 'metadata', src: a.url, 'aria-label': a.name });
      }
      return h('a', { class: 'att-file', href: a.url, download: a.name },
        h('span', { class: 'file-icon', 'aria-hidden': 'true' }, '📄'),
        h('span', { class: 'file-name' }, a.name),
        h('span', { class: 'file-size muted' }, formatSize(a.size)));
    }));
}

// openViewer shows one image full size, with the others a key press away.
function openViewer(images, start) {
  let i = Math.max(0, images.indexOf(start));
  const img = h('img', { class: 'viewer-img', alt: '' });
  const caption = h('p', { class: 'viewer-caption' });
  const show = () => {
    img.src = images[i].url;
    img.alt = images[i].name;
    caption.textContent = images.length > 1 ? `${images[i].name} (${i + 1} of ${images.length})` : images[i].name;
  };
  const close = () => { dlg.close(); dlg.remove(); };
  const dlg = h('dialog', { class: 'viewer', 'aria-label': 'Photo viewer' },
    h('button', { type: 'button', class: 'btn small viewer-close', onclick: close }, 'Close'),
    img, caption);
  dlg.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' && i < images.length - 1) { i++; show(); }
    if (e.key === 'ArrowLeft' && i > 0) { i--; show(); }
  });
  dlg.addEventListener('close', () => dlg.remove());
  show();
  document.body.appendChild(dlg);
  dlg.showModal();
}

// previewCard is a link's card: the page's own words, as text. Its image
// is not loaded: fetching it from the browser would tell a stranger's
// server who reads the conversation.
export function previewCard(p) {
  if (!p) return null;
  let host = '';
  try { host = new URL(p.url).host; } catch (e) { return null; }
  return h('a', { class: 'link-card', href: p.url, target: '_blank', rel: 'noopener noreferrer nofollow' },
    h('span', { class: 'link-site muted' }, p.site_name || host),
    p.title ? h('strong', { class: 'link-title' }, p.title) : null,
    p.description ? h('span', { class: 'link-desc' }, p.description) : null);
}

// Attacher is the composer's file tray: it uploads files as soon as they
// are picked, pasted or dropped (each with its own client id, so a retry
// never stores one twice), shows their progress, and hands the ids of the
// finished ones to the send.
export class Attacher {
  constructor(app, onChange) {
    this.app = app;
    this.onChange = onChange;
    this.items = [];
    this.input = h('input', { type: 'file', multiple: true, hidden: true, id: 'attach-input',
      accept: 'image/*,video/*,audio/*,application/pdf,*/*' });
    this.input.addEventListener('change', () => { this.add([...this.input.files]); this.input.value = ''; });
    this.button = h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach files', title: 'Attach files',
      onclick: () => this.input.click() }, 'Attach');
    this.recordBtn = h('button', { type: 'button', class: 'record', 'aria-label': 'Record a voice note', title: 'Record a voice note',
      onclick: () => this.toggleRecording() }, 'Voice');
    this.tray = h('ul', { class: 'attach-tray', 'aria-label': 'Attachments', hidden: true });
    this.recorder = null;
  }

  // watch makes el accept pasted and dropped files.
  watch(el) {
    el.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData ? e.clipboardData.files : [])];
      if (files.length) { e.preventDefault(); this.add(files); }
    });
    el.addEventListener('dragover', (e) => { e.preventDefault(); el.classList.add('dragging'); });
    el.addEventListener('dragleave', () => el.classList.remove('dragging'));
    el.addEventListener('drop', (e) => {
      e.preventDefault();
      el.classList.remove('dragging');
      this.add([...(e.dataTransfer ? e.dataTransfer.files : [])]);
    });
  }

  add(files, durationMs = 0) {
    for (const f of files) {
      if (this.items.length >= MAX_FILES) {
        this.app.announce(`A message carries at most ${MAX_FILES} files.`);
        break;
      }
      const it = { file: f, name: f.name || 'file', progress: 0, state: 'uploading', id: '', error: '', durationMs,
        clientId: crypto.getRandomValues(new Uint32Array(4)).join('-') };
      this.items.push(it);
      this.upload(it);
    }
    this.render();
  }

  upload(it) {
    const q = new URLSearchParams({ name: it.name, client_id: it.clientId });
    if (it.durationMs) q.set('duration_ms', String(Math.round(it.durationMs)));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/uploads?' + q.toString());
    xhr.setRequestHeader('Accept', 'application/json');
    if (this.app.api.csrf) xhr.setRequestHeader('X-CSRF-Token', this.app.api.csrf);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) { it.progress = e.loaded / e.total; this.render(); }
    };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status >= 200 && xhr.status < 300 && data && data.upload) {
        it.state = 'done';
        it.id = data.upload.id;
        it.progress = 1;
      } else {
        it.state = 'failed';
        it.error = (data && data.error && data.error.message) || `Upload failed (${xhr.status}).`;
      }
      this.render();
    };
    xhr.onerror = () => { it.state = 'failed'; it.error = 'Cannot reach the server.'; this.render(); };
    xhr.send(it.file);
  }

  render() {
    this.tray.hidden = !this.items.length;
    this.tray.replaceChildren(...this.items.map((it) => h('li', { class: 'attach-item ' + it.state, 'data-state': it.state },
      h('span', { class: 'attach-name' }, it.name),
      it.state === 'uploading' ? h('progress', { max: '1', value: String(it.progress), 'aria-label': 'Uploading ' + it.name }) : null,
      it.state === 'failed' ? h('span', { class: 'form-error' }, it.error) : null,
      h('button', { type: 'button', class: 'act', 'aria-label': 'Remove ' + it.name, onclick: () => {
        this.items = this.items.filter((x) => x !== it);
        this.render();
      } }, '×'))));
    this.onChange();
  }

  busy() { return this.items.some((it) => it.state === 'uploading'); }

  ready() { return this.items.filter((it) => it.state === 'done').map((it) => it.id); }

  clear() { this.items = []; this.render(); }

  // toggleRecording records a voice note from the microphone; stopping
  // adds it to the tray as an upload, with the measured duration.
  async toggleRecording() {
    if (this.recorder) {
      this.recorder.stop();
      return;
    }
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      this.app.announce('This browser cannot record voice notes.');
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      this.app.announce('The microphone is not available.');
      return;
    }
    const type = MediaRecorder.isTypeSupported('audio/webm;codecs=opus') ? 'audio/webm;codecs=opus' : '';
    const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks = [];
    const started = performance.now();
    rec.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    rec.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      this.recorder = null;
      this.recordBtn.classList.remove('recording');
      this.recordBtn.textContent = 'Voice';
      this.recordBtn.setAttribute('aria-label', 'Record a voice note');
      const blob = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
      const file = new File([blob], 'voice-note.webm', { type: blob.type });
      this.add([file], performance.now() - started);
    };
    this.recorder = rec;
    rec.start(250);
    this.recordBtn.classList.add('recording');
    this.recordBtn.textContent = 'Stop';
    this.recordBtn.setAttribute('aria-label', 'Stop recording');
  }
}
