// The person's preferences of this browser (not of the account): colour
// theme, sound, and notifications while the tab is hidden. Kept in
// localStorage; nothing here is asked for on load.

const KEY = 'parley.prefs';

export function loadPrefs() {
  let p = {};
  try {
    p = JSON.parse(localStorage.getItem(KEY) || '{}') || {};
  } catch (e) {
    p = {};
  }
  return { theme: p.theme || 'system', sound: p.sound !== false, notify: !!p.notify };
}

export function savePrefs(p) {
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch (e) {
    // Storage may be disabled: the choice then lasts for this page.
  }
}

// applyTheme sets the root's data-theme: 'light' or 'dark' override the
// system's choice, 'system' follows it.
export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}

let audio = null;

// chime plays a short two-note sound (no file to fetch). Browsers allow
// audio only after the person has interacted with the page; before that it
// stays silent, which is what they would want anyway.
export function chime() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    const t = audio.currentTime;
    for (const [i, f] of [[0, 880], [1, 1320]]) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t + i * 0.12);
      g.gain.exponentialRampToValueAtTime(0.15, t + i * 0.12 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.12 + 0.18);
      o.connect(g).connect(audio.destination);
      o.start(t + i * 0.12);
      o.stop(t + i * 0.12 + 0.2);
    }
  } catch (e) {
    // No audio on this device.
  }
}

export function notificationsSupported() {
  return typeof Notification !== 'undefined';
}
