/** The panel's stylesheet (adopted into the devtools' shadow root: nothing leaks in or out). */
export const PANEL_CSS = `
.panel { position: fixed; left: 0; right: 0; z-index: 2147483645; height: min(520px, 60vh); display: flex; flex-direction: column;
  background: #0b1220; color: #e2e8f0; border-top: 1px solid #334155; box-shadow: 0 -4px 16px rgb(0 0 0 / 0.35);
  font: 12px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color-scheme: dark; }
.panel.bottom { bottom: 0; } .panel.top { top: 0; border-top: 0; border-bottom: 1px solid #334155; }
* { box-sizing: border-box; }
header { display: flex; align-items: center; gap: 10px; padding: 6px 10px; background: #111a2e; border-bottom: 1px solid #1e293b; }
header h2 { margin: 0; font-size: 13px; font-weight: 600; letter-spacing: 0.02em; }
header .spacer { flex: 1; }
.notice { color: #94a3b8; max-width: 40%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.notice.ok { color: #86efac; } .notice.error { color: #fca5a5; }
nav { display: flex; gap: 2px; padding: 0 8px; background: #111a2e; border-bottom: 1px solid #1e293b; }
nav button { background: none; border: 0; border-bottom: 2px solid transparent; color: #94a3b8; padding: 6px 10px; font: inherit; cursor: pointer; }
nav button[aria-selected="true"] { color: #e2e8f0; border-bottom-color: #38bdf8; }
button { font: inherit; color: #e2e8f0; background: #1e293b; border: 1px solid #334155; border-radius: 4px; padding: 3px 9px; cursor: pointer; }
button:hover:not(:disabled) { background: #273449; } button:disabled { opacity: 0.45; cursor: default; }
button:focus-visible, select:focus-visible, input:focus-visible, tr:focus-visible { outline: 2px solid #38bdf8; outline-offset: -2px; }
button.danger { border-color: #7f1d1d; color: #fecaca; } button.danger:hover:not(:disabled) { background: #450a0a; }
button.small { padding: 0 7px; font-size: 11px; }
button.link { background: none; border: 0; padding: 0 4px 0 0; color: #7dd3fc; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
button.close { padding: 0 8px; font-size: 15px; line-height: 20px; }
.body { flex: 1; min-height: 0; overflow: hidden; display: flex; flex-direction: column; }
.view { flex: 1; min-height: 0; overflow: auto; padding: 8px 10px; }
.view[hidden] { display: none; }
.filters { display: flex; align-items: center; gap: 6px; margin-bottom: 6px; }
.summary { margin-left: auto; font-variant-numeric: tabular-nums; }
select, input { font: inherit; color: #e2e8f0; background: #0f172a; border: 1px solid #334155; border-radius: 4px; padding: 3px 6px; }
input { width: 190px; }
.tasks-view { display: flex; flex-direction: column; overflow: hidden; }
.split { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr) minmax(280px, 38%); gap: 10px; }
.list { overflow: auto; min-height: 0; border: 1px solid #1e293b; border-radius: 4px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { position: sticky; top: 0; background: #111a2e; color: #94a3b8; font-weight: 500; text-align: left; padding: 4px 6px; border-bottom: 1px solid #1e293b; }
td { padding: 3px 6px; border-bottom: 1px solid #131c2f; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 220px; }
tbody tr { cursor: pointer; } tbody tr:hover { background: #131d33; }
tr[aria-selected="true"] { background: #0c2d48; } tr[aria-selected="true"]:hover { background: #0e3552; }
.num { text-align: right; } .mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; }
.muted { color: #94a3b8; }
.footer { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 5px 6px; color: #94a3b8; }
.footer button[hidden] { display: none; }
.status, .role, .wstate { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 600; }
.s-Pending { background: #1e293b; color: #cbd5e1; } .s-Running { background: #0c4a6e; color: #7dd3fc; }
.s-Completed { background: #14532d; color: #86efac; } .s-Failed { background: #7f1d1d; color: #fecaca; }
.s-Cancelled { background: #3f3f46; color: #e4e4e7; } .s-Timeout { background: #78350f; color: #fde68a; }
.r-leader { background: #312e81; color: #c7d2fe; } .r-follower { background: #3f3f46; color: #e4e4e7; }
.w-busy { background: #0c4a6e; color: #7dd3fc; } .w-idle { background: #14532d; color: #86efac; }
.w-starting { background: #78350f; color: #fde68a; } .w-dead { background: #7f1d1d; color: #fecaca; }
.detail { overflow: auto; min-height: 0; border: 1px solid #1e293b; border-radius: 4px; padding: 8px 10px; background: #0d1526; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 12px; margin: 0; }
dt { color: #94a3b8; } dd { margin: 0; overflow-wrap: anywhere; }
.deps { display: inline-flex; flex-wrap: wrap; gap: 2px; }
.actions { margin-top: 10px; display: flex; gap: 6px; }
.system-view, .models-view { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 10px; align-content: start; }
.system-view { grid-template-columns: minmax(0, 1fr) minmax(0, 1.6fr) minmax(0, 1fr); }
.card { border: 1px solid #1e293b; border-radius: 6px; padding: 8px 10px; background: #0d1526; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h3 { margin: 0 0 6px; font-size: 12px; font-weight: 600; color: #cbd5e1; text-transform: uppercase; letter-spacing: 0.05em; }
.counters { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 6px; }
.counter { display: flex; flex-direction: column; min-width: 64px; padding: 4px 8px; border-radius: 4px; background: #111a2e; }
.counter .value { font-size: 15px; font-weight: 600; font-variant-numeric: tabular-nums; } .counter .label { color: #94a3b8; font-size: 11px; }
tr.files td { color: #94a3b8; white-space: normal; border-bottom-color: #1e293b; cursor: default; }
`;
