/**
 * One-line summaries of a task's input and output for the panel: sizes and shapes, and the first
 * characters of text (never a whole payload: a task may carry megabytes).
 */
import type { TaskInput, TaskOutput } from '@taskweave/core';
import { formatBytes } from './dom.js';

const TEXT_CHARS = 160;

function clip(text: string, max = TEXT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A JSON preview of an app value, clipped; values JSON cannot write are named. */
export function preview(value: unknown, max = TEXT_CHARS): string {
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (ArrayBuffer.isView(v)) return `‹${v.constructor.name} ${(v as { length?: number }).length ?? v.byteLength}›`;
      if (typeof v === 'bigint') return `${v}n`;
      return v;
    });
    return clip(json ?? String(value), max);
  } catch {
    return `‹${Object.prototype.toString.call(value).slice(8, -1)}›`;
  }
}

function quoted(text: string): string {
  return `${text.length} chars: “${clip(text)}”`;
}

export function inputSummary(input: TaskInput): string {
  switch (input.kind) {
    case 'text':
      return `text, ${quoted(input.text)}`;
    case 'binary':
      return `binary, ${formatBytes(input.data.byteLength)}`;
    case 'query': {
      const q = input.query;
      const what = q.text !== undefined ? `text “${clip(q.text, 80)}”` : q.vector !== undefined ? `vector of ${q.vector.length}` : 'no query';
      return `query on “${q.collection}”, top ${q.topK}, ${what}${q.filter ? `, filter ${preview(q.filter, 80)}` : ''}`;
    }
    case 'modelInput':
      return input.input.format === 'tensors'
        ? `tensors: ${Object.entries(input.input.feeds).map(([name, t]) => `${name} ${t.type}[${t.dims.join('×')}]`).join(', ')}`
        : `pipeline ${input.input.pipeline}, ${Array.isArray(input.input.inputs) ? `${input.input.inputs.length} inputs` : quoted(input.input.inputs)}`;
    case 'custom':
      return `custom ${preview(input.value)}`;
  }
}

export function outputSummary(output: TaskOutput): string {
  switch (output.kind) {
    case 'none':
      return 'none';
    case 'text':
      return `text, ${quoted(output.text)}${output.chunks ? `, ${output.chunks.length} chunks` : ''}${output.finishReason ? `, ${output.finishReason}` : ''}`;
    case 'binary':
      return `binary, ${formatBytes(output.data.byteLength)}`;
    case 'embedding':
      return `embedding, ${output.dims} dims${output.truncated ? ', truncated' : ''}`;
    case 'embeddings':
      return `${output.vectors.length} embeddings × ${output.dims} dims${output.truncated ? ', truncated' : ''}`;
    case 'tensors':
      return `tensors: ${Object.entries(output.tensors).map(([name, t]) => `${name} ${t.type}[${t.dims.join('×')}]`).join(', ')}`;
    case 'searchResults': {
      const top = output.hits[0];
      return `${output.hits.length} hits${top ? `, top ${top.score.toFixed(3)} (${top.id})` : ''}`;
    }
    case 'documents':
      return `${output.documents.length} documents${output.nextCursor !== undefined ? ', more after' : ''}`;
    case 'stored':
      return `${output.ids.length} stored`;
    case 'custom':
      return `custom ${preview(output.value)}${output.truncated ? ', truncated' : ''}`;
  }
}
