/** One-line summaries of task outputs for the task table. */
import type { TaskOutput } from '@taskweave/core';

/** A short human description of an output. */
export function summarizeOutput(output: TaskOutput): string {
  switch (output.kind) {
    case 'none':
      return '—';
    case 'text':
      return output.chunks ? `${output.chunks.length} chunks` : `“${clip(output.text, 48)}”${output.tokens === undefined ? '' : ` · ${output.tokens} tokens`}`;
    case 'binary':
      return `${output.data.byteLength} bytes`;
    case 'embedding':
      return `vector[${output.dims}]`;
    case 'embeddings':
      return `${output.vectors.length} × vector[${output.dims}]`;
    case 'tensors':
      return Object.entries(output.tensors)
        .map(([name, t]) => `${name} ${t.type}[${t.dims.join('×')}]${t.dims.reduce((a, b) => a * b, 1) <= 4 ? ` = ${Array.from(t.data as ArrayLike<unknown>).map((v) => (typeof v === 'number' ? v.toFixed(3) : String(v))).join(', ')}` : ''}`)
        .join('; ');
    case 'searchResults':
      return `${output.hits.length} hits${output.hits[0] ? ` · best ${output.hits[0].score.toFixed(3)} ${output.hits[0].id}` : ''}`;
    case 'documents':
      return `${output.documents.length} documents${output.nextCursor ? ' (more)' : ''}`;
    case 'stored':
      return `stored ${output.ids.length}`;
    case 'custom':
      return clip(JSON.stringify(output.value) ?? String(output.value), 60);
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
