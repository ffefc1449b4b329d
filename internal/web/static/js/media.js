// Attachments, link previews and voice notes in the chat: how a message's
// files show (an image grid with a viewer, players, file cards), links made
// clickable (dom.js's linkify), the preview card, and the composer's attacher (button, paste,
// drag and drop, upload progress, voice notes recorded with MediaRecorder).
// Every string from a user goes through text nodes (dom.js's h).

import { h } from './dom.js';

const MAX_FILES = 10;
// Files over RESUMABLE_BYTES go up through an upload session, in chunks of
// CHUNK_BYTES: a dropped connection costs the chunk in flight, and the
// upload goes on from the offset the server reports.
const RESUMABLE_BYTES = 4 << 20;
const CHUNK_BYTES = 1 << 20;
const RESUME_TRIES = 8;

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
        const audio = h('audio', { controls: true, preload: 'metadata', src: a.url, 'aria-label': 'Voice note ' + formatDuration(a.duration_ms) });
        const peaks = Array.isArray(a.waveform) ? a.waveform : [];
        return h('div', { class: 'att-audio voice' },
          peaks.length ? waveformEl(peaks, audio) : h('span', { class: 'wave', 'aria-hidden': 'true' }, '▁▃▅▇▅▃▂▄▆▃▁'),
          audio,
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

// waveformEl draws a voice note's peaks (0-255, measured by the sender's
// browser) as bars on a canvas; the part already played is drawn solid.
function waveformEl(peaks, audio) {
  const c = h('canvas', { class: 'wave-canvas', width: '160', height: '32', 'aria-hidden': 'true', 'data-peaks': String(peaks.length) });
  const draw = () => {
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const played = audio.duration ? audio.currentTime / audio.duration : 0;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.fillStyle = getComputedStyle(c).color;
    const w = c.width / peaks.length;
    peaks.forEach((p, i) => {
      const bh = Math.max(2, (Math.min(255, Math.max(0, p)) / 255) * c.height);
      ctx.globalAlpha = (i + 0.5) / peaks.length <= played ? 1 : 0.4;
      ctx.fillRect(i * w + w * 0.15, (c.height - bh) / 2, Math.max(1, w * 0.7), bh);
    });
    ctx.globalAlpha = 1;
  };
  audio.addEventListener('timeupdate', draw);
  audio.addEventListener('loadedmetadata', draw);
  audio.addEventListener('ended', draw);
  requestAnimationFrame(draw);
  return c;
}

// measureRecording decodes a recording and returns its length in ms and
// its waveform: up to 64 peaks of 0-255 (the loudest sample of each
// slice, scaled to the loudest of all). Both empty when the browser cannot
// decode it.
async function measureRecording(blob, n = 64) {
  try {
    const AC = window.AudioContext || window.webkitAudioContext;
    const ac = new AC();
    const buf = await ac.decodeAudioData(await blob.arrayBuffer());
    ac.close();
    const data = buf.getChannelData(0);
    const step = Math.max(1, Math.floor(data.length / n));
    const peaks = [];
    let top = 0;
    for (let i = 0; i < n && i * step < data.length; i++) {
      let m = 0;
      for (let j = i * step; j < Math.min(data.length, (i + 1) * step); j++) m = Math.max(m, Math.abs(data[j]));
      peaks.push(m);
      top = Math.max(top, m);
    }
    return { durationMs: buf.duration * 1000, peaks: peaks.map((p) => Math.round(top ? (p / top) * 255 : 0)) };
  } catch (e) {
    return { durationMs: 0, peaks: [] };
  }
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
// finished ones to the send. say(text) shows what went wrong where the
// person looks (the composer's error line); a screen reader hears it there.
export class Attacher {
  constructor(app, onChange, say) {
    this.app = app;
    this.onChange = onChange;
    this.say = say || ((text) => app.announce(text));
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

  add(files, durationMs = 0, waveform = []) {
    for (const f of files) {
      if (this.items.length >= MAX_FILES) {
        this.say(`A message carries at most ${MAX_FILES} files.`);
        break;
      }
      const it = { file: f, name: f.name || 'file', progress: 0, state: 'uploading', id: '', error: '', durationMs, waveform,
        clientId: crypto.getRandomValues(new Uint32Array(4)).join('-') };
      this.items.push(it);
      this.upload(it);
    }
    this.render();
  }

  upload(it) {
    if (it.file.size > RESUMABLE_BYTES) {
      this.uploadResumable(it);
      return;
    }
    const q = new URLSearchParams({ name: it.name, client_id: it.clientId });
    if (it.durationMs) q.set('duration_ms', String(Math.round(it.durationMs)));
    if (it.waveform && it.waveform.length) q.set('waveform', it.waveform.join(','));
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

  // uploadResumable sends a large file chunk by chunk through an upload
  // session. After a failed chunk (a dropped connection, a server error,
  // an offset conflict) it waits a little, asks the session how much it
  // holds, and goes on from there; the progress bar never starts over.
  async uploadResumable(it) {
    const api = this.app.api;
    const size = it.file.size;
    const fail = (msg) => { it.state = 'failed'; it.error = msg; it.retrying = false; this.render(); };
    const pause = (n) => new Promise((r) => setTimeout(r, Math.min(8000, 250 * 2 ** n)));
    let sess = null;
    let tries = 0;
    while (!sess) {
      try {
        const body = { size, name: it.name, client_id: it.clientId };
        if (it.durationMs) body.duration_ms = Math.round(it.durationMs);
        if (it.waveform && it.waveform.length) body.waveform = it.waveform;
        sess = (await api.post('/api/v1/uploads/sessions', body)).upload_session;
      } catch (e) {
        if (e.status && e.status < 500) { fail(e.message); return; }
        if (++tries > RESUME_TRIES) { fail('Cannot reach the server.'); return; }
        await pause(tries);
      }
    }
    const path = '/api/v1/uploads/sessions/' + encodeURIComponent(sess.id);
    const chunkSize = Math.max(1, Math.min(CHUNK_BYTES, sess.max_chunk || CHUNK_BYTES));
    tries = 0;
    while (!sess.upload) {
      if (!this.items.includes(it)) { api.del(path).catch(() => {}); return; }
      const from = sess.offset;
      const chunk = it.file.slice(from, Math.min(size, from + chunkSize));
      const res = await this.sendChunk(path, from, chunk, (loaded) => {
        it.progress = Math.min(1, (from + loaded) / size);
        this.render();
      });
      if (res.ok) {
        sess = res.session;
        tries = 0;
        it.retrying = false;
        it.progress = sess.offset / size;
        this.render();
        continue;
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 409 && res.status !== 408) { fail(res.error); return; }
      if (++tries > RESUME_TRIES) { fail('The upload keeps failing: ' + res.error); return; }
      it.retrying = true;
      this.render();
      await pause(tries);
      // Where to go on from: what the server holds.
      try {
        sess = (await api.get(path)).upload_session;
      } catch (e) {
        if (e.status === 404) { fail('The upload expired; attach the file again.'); return; }
      }
    }
    it.state = 'done';
    it.id = sess.upload.id;
    it.progress = 1;
    it.retrying = false;
    this.render();
  }

  // sendChunk PATCHes one chunk at offset; it resolves, never rejects,
  // with {ok, session} or {ok: false, status, error}.
  sendChunk(path, offset, chunk, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PATCH', path);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Upload-Offset', String(offset));
      if (this.app.api.csrf) xhr.setRequestHeader('X-CSRF-Token', this.app.api.csrf);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded); };
      xhr.onload = () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300 && data && data.upload_session) {
          resolve({ ok: true, session: data.upload_session });
          return;
        }
        resolve({ ok: false, status: xhr.status,
          error: (data && data.error && data.error.message) || `Upload failed (${xhr.status}).` });
      };
      xhr.onerror = () => resolve({ ok: false, status: 0, error: 'Cannot reach the server.' });
      xhr.send(chunk);
    });
  }

  // render draws the tray again (on every progress step). A Remove that
  // had the keyboard focus keeps it; once pressed, the focus goes to the
  // next file's Remove, or to Attach: it fell to the page both times.
  render(focusAt = -1) {
    const had = this.tray.contains(document.activeElement) ? document.activeElement.closest('li') : null;
    const keep = had ? had.dataset.key : '';
    this.tray.hidden = !this.items.length;
    this.tray.replaceChildren(...this.items.map((it) => h('li', { class: 'attach-item ' + it.state, 'data-state': it.state, 'data-key': it.clientId },
      h('span', { class: 'attach-name', title: it.name }, it.name),
      it.state === 'uploading' ? h('progress', { max: '1', value: String(it.progress), 'aria-label': 'Uploading ' + it.name }) : null,
      it.state === 'uploading' && it.retrying ? h('span', { class: 'attach-retry', role: 'status' }, 'Connection lost, resuming…') : null,
      it.state === 'failed' ? h('span', { class: 'form-error' }, it.error) : null,
      h('button', { type: 'button', class: 'act', 'aria-label': 'Remove ' + it.name, onclick: () => {
        const i = this.items.indexOf(it);
        this.items = this.items.filter((x) => x !== it);
        this.render(i);
      } }, '×'))));
    const xs = [...this.tray.querySelectorAll('.act')];
    if (focusAt >= 0) (xs[Math.min(focusAt, xs.length - 1)] || this.button).focus();
    else if (keep) xs.find((b) => b.closest('li').dataset.key === keep)?.focus();
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
      this.say('This browser cannot record voice notes.');
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      this.say('The microphone is not available: allow it in the browser’s site settings, or attach a recording.');
      return;
    }
    const type = MediaRecorder.isTypeSupported('audio/webm;codecs=opus') ? 'audio/webm;codecs=opus' : '';
    const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks = [];
    const started = performance.now();
    rec.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    rec.onstop = async () => {
      stream.getTracks().forEach((t) => t.stop());
      this.recorder = null;
      this.recordBtn.classList.remove('recording');
      this.recordBtn.textContent = 'Voice';
      this.recordBtn.setAttribute('aria-label', 'Record a voice note');
      const blob = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
      const file = new File([blob], 'voice-note.webm', { type: blob.type });
      const elapsed = performance.now() - started;
      // The length and the waveform come from the recording itself.
      const { durationMs, peaks } = await measureRecording(blob);
      this.add([file], durationMs || elapsed, peaks);
    };
    this.recorder = rec;
    this.say('');
    rec.start(250);
    this.recordBtn.classList.add('recording');
    this.recordBtn.textContent = 'Stop';
    this.recordBtn.setAttribute('aria-label', 'Stop recording');
  }
}
