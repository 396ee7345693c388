/**
 * The panel's DOM helper and number formats. Text goes in through `textContent` only (task inputs
 * and outputs are app data), and no element gets a `style` attribute (a strict CSP refuses them).
 */
type Child = Node | string | number | false | null | undefined;
type Props = { class?: string; title?: string; type?: string; disabled?: boolean; value?: string } & Record<`data-${string}` | `aria-${string}` | 'role' | 'tabindex' | 'placeholder' | 'list' | 'id' | 'for', string | undefined>;

/** `h('td', { class: 'num' }, '12 ms')`: an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Props> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'disabled') (el as HTMLButtonElement).disabled = value === true;
    else if (key === 'value') (el as HTMLInputElement).value = String(value);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A text cell that changes the DOM only when its text changed. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function button(label: string, onClick: () => void, props: Partial<Props> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', ...props }, label);
  b.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return b;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
/** 1536 → "1.5 KB" (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  let n = bytes;
  let unit = 0;
  while (Math.abs(n) >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n.toFixed(0) : n.toFixed(n >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

/** 1234 → "1.23 s", 12.3 → "12 ms". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

/** Epoch ms → "14:03:07.120" in local time. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A task id, shortened for a table ("3f2a9c1e…"). */
export function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/** An error as one line for the panel's notice. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
