/**
 * A small live plot of finished tasks per second over the last minute, drawn on a canvas
 * once a second (and on each animation frame after a change, at most).
 */
import { h } from './dom.js';
import type { TaskLog } from './taskLog.js';

const SECONDS = 60;

/** Mounts the plot into `root`. */
export function mountThroughputPlot(root: HTMLElement, log: TaskLog): void {
  const canvas = h('canvas', { width: 360, height: 90, 'aria-label': 'finished tasks per second, last 60 s', 'data-testid': 'throughput' });
  const caption = h('p', { class: 'plot-caption' });
  root.append(h('h3', {}, 'Throughput'), canvas, caption);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;

  const draw = (): void => {
    const bins = log.throughput(SECONDS);
    const peak = Math.max(1, ...bins);
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = '#d0d7de';
    ctx.beginPath();
    ctx.moveTo(0, height - 0.5);
    ctx.lineTo(width, height - 0.5);
    ctx.stroke();
    const barWidth = width / SECONDS;
    ctx.fillStyle = '#2f6fdf';
    bins.forEach((count, i) => {
      const barHeight = (count / peak) * (height - 14);
      ctx.fillRect(i * barWidth + 1, height - barHeight, barWidth - 2, barHeight);
    });
    ctx.fillStyle = '#57606a';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(`${peak}/s`, 2, 11);
    const last = bins.slice(-5);
    caption.textContent = `${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(1)} tasks/s over the last 5 s · ${log.finished} finished since this page loaded`;
  };
  setInterval(() => requestAnimationFrame(draw), 1000);
  draw();
}
