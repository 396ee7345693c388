// Checks public/models/sotu-gen/ with transformers.js 4.3.2 on onnxruntime-node (and the raw graph on
// onnxruntime-web's wasm backend): greedy texts, TextStreamer, tokens/s, determinism, EOS 'stop' vs
// max_new_tokens 'length', resuming from prompt + N generated tokens, greedy margins, a left-padded batch.
//
// Run from anywhere: node packages/demo/scripts/generativeModel/check.mjs [--models DIR] [--no-wasm]
// (@huggingface/transformers is resolved from packages/server, which depends on 4.3.2 and onnxruntime-node).
// Exits 1 when a check fails.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../../..');
const args = process.argv.slice(2);
const modelsDir = resolve(args.includes('--models') ? args[args.indexOf('--models') + 1] : join(here, '../../public/models'));
const MODEL = 'sotu-gen';
const MIN_MARGIN = 0.05;

const requireFromServer = createRequire(join(repo, 'packages/server/package.json'));
const transformersCjs = requireFromServer.resolve('@huggingface/transformers'); // dist/transformers.node.cjs
const transformersMjs = join(dirname(transformersCjs), 'transformers.node.mjs');
const transformers = await import(pathToFileURL(transformersMjs).href);
const { env, pipeline, AutoTokenizer, AutoModelForCausalLM, TextStreamer, LogitsProcessor, Tensor } = transformers;
const transformersVersion = JSON.parse(readFileSync(join(dirname(transformersCjs), '..', 'package.json'), 'utf8')).version;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  if (!ok) failures++;
}
const sameIds = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (s) => JSON.stringify(s);

/** Records top-1 minus top-2 of the logits at every generation step (every row). */
class MarginRecorder extends LogitsProcessor {
  constructor() {
    super();
    this.margins = [];
  }
  _call(inputIds, logits) {
    const [rows, vocab] = logits.dims.length === 2 ? logits.dims : [1, logits.dims.at(-1)];
    const data = logits.data;
    for (let r = 0; r < rows; r++) {
      let a = -Infinity;
      let b = -Infinity;
      for (let i = r * vocab; i < (r + 1) * vocab; i++) {
        const x = data[i];
        if (x > a) [a, b] = [x, a];
        else if (x > b) b = x;
      }
      this.margins.push(a - b);
    }
    return logits;
  }
}

console.log(`transformers.js ${transformersVersion} (${transformersMjs})`);
console.log(`models dir: ${modelsDir}`);

const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
const model = await AutoModelForCausalLM.from_pretrained(MODEL, { dtype: 'fp32', device: 'cpu' });
const session = model.sessions.model;
console.log(`model class: ${model.constructor.name}; session inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')}`);
const eos = BigInt(tokenizer.eos_token_id);
const allMargins = [];

/** Greedy generation with AutoModelForCausalLM.generate: the new ids, the finish reason and the step margins. */
async function generate(ids, maxNew, extra = {}) {
  const recorder = new MarginRecorder();
  const input_ids = new Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
  const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  const out = await model.generate({ input_ids, attention_mask, max_new_tokens: maxNew, do_sample: false, logits_processor: [recorder], ...extra });
  const all = Array.from(out.data);
  const gen = all.slice(ids.length);
  const finish = gen.at(-1) === eos ? 'stop' : 'length';
  allMargins.push(...recorder.margins);
  return { gen, finish, margins: recorder.margins };
}
const encode = (text) => Array.from(tokenizer(text).input_ids.data);
const decode = (ids) => tokenizer.decode(ids, { skip_special_tokens: true });

// -- tokenizer -------------------------------------------------------------------------------------
console.log('\n== tokenizer');
{
  const corpus = JSON.parse(readFileSync(join(here, '../../public/corpus/sotu-passages.json'), 'utf8'));
  let unk = 0;
  let roundTrip = 0;
  for (const { text } of corpus.passages) {
    const ids = encode(text);
    unk += ids.filter((x) => x === BigInt(tokenizer.unk_token_id)).length;
    if (decode(ids) === ` ${text}`) roundTrip++;
  }
  check(unk === 0, `corpus passages encode without <unk> (${unk} found)`);
  check(roundTrip === corpus.passages.length, `decode(encode(passage)) === ' ' + passage for ${roundTrip}/${corpus.passages.length}`);
  const sample = 'Tonight, I ask Congress: let\'s act now.';
  const ids = encode(sample);
  console.log(`  ${show(sample)} -> ${ids.length} ids [${ids.join(', ')}]`);
  console.log(`  tokens: ${ids.map((id) => show(decode([id]))).join(' ')}`);
  console.log(`  decoded: ${show(decode(ids))}  (prefix space: ByteLevel add_prefix_space)`);
  console.log(`  unknown word: ${show('We zorblify it.')} -> [${encode('We zorblify it.').join(', ')}] -> ${show(decode(encode('We zorblify it.')))}`);
}

// -- pipeline('text-generation') greedy ------------------------------------------------------------
console.log("\n== pipeline('text-generation'), greedy, max_new_tokens 40");
const generator = await pipeline('text-generation', MODEL, { dtype: 'fp32', device: 'cpu' });
const PROMPTS = ['I want to thank', 'If you', 'Tonight, I ask', 'America is', 'The state of our Union is', 'We must'];
const pipeTexts = {};
for (const prompt of PROMPTS) {
  const [full] = await generator(prompt, { max_new_tokens: 40, do_sample: false });
  const [only] = await generator(prompt, { max_new_tokens: 40, do_sample: false, return_full_text: false });
  pipeTexts[prompt] = only.generated_text;
  console.log(`  ${show(prompt)}\n      full: ${show(full.generated_text)}\n      new:  ${show(only.generated_text)}`);
  check(full.generated_text === ` ${prompt}${only.generated_text}`, `full text === ' ' + prompt + new text for ${show(prompt)}`);
}

// -- AutoModelForCausalLM.generate: stop / length, determinism --------------------------------------
console.log('\n== AutoModelForCausalLM.generate + AutoTokenizer, greedy');
const runs = {};
for (const prompt of PROMPTS) {
  const ids = encode(prompt);
  const a = await generate(ids, 40);
  const b = await generate(ids, 40);
  runs[prompt] = { ids, ...a };
  console.log(`  ${show(prompt)} [${a.finish}, ${a.gen.length} new tokens, min margin ${Math.min(...a.margins).toFixed(3)}] ${show(decode(a.gen))}`);
  check(sameIds(a.gen, b.gen), `greedy deterministic across two runs for ${show(prompt)}`);
  check(decode(a.gen) === pipeTexts[prompt], `generate() text === pipeline text for ${show(prompt)}`);
}
const STOP_PROMPT = 'I want to thank';
const LENGTH_PROMPT = 'If you';
check(runs[STOP_PROMPT].finish === 'stop' && runs[STOP_PROMPT].gen.length < 40, `${show(STOP_PROMPT)} stops at EOS before max_new_tokens (finish 'stop', ${runs[STOP_PROMPT].gen.length} tokens)`);
check(runs[LENGTH_PROMPT].finish === 'length' && runs[LENGTH_PROMPT].gen.length === 40, `${show(LENGTH_PROMPT)} runs to max_new_tokens=40 (finish 'length')`);
{
  const short = await generate(runs[STOP_PROMPT].ids, 3);
  check(short.finish === 'length' && short.gen.length === 3 && sameIds(short.gen, runs[STOP_PROMPT].gen.slice(0, 3)), `${show(STOP_PROMPT)} with max_new_tokens=3: finish 'length', same first 3 tokens`);
}

// -- resume: prefill prompt + first N generated tokens ----------------------------------------------
console.log('\n== resume from prompt + first N generated tokens');
for (const [prompt, cuts] of [[LENGTH_PROMPT, [1, 5, 17, 39]], [STOP_PROMPT, [1, 4]], ['Tonight, I ask', [6, 15]]]) {
  const { ids, gen } = runs[prompt];
  const fullText = decode([...ids, ...gen]);
  for (const n of cuts) {
    const resumed = await generate([...ids, ...gen.slice(0, n)], 40 - n);
    const idsEqual = sameIds([...gen.slice(0, n), ...resumed.gen], gen);
    // resume through text: the text so far, re-encoded
    const textSoFar = decode([...ids, ...gen.slice(0, n)]);
    const reencoded = encode(textSoFar);
    const viaText = await generate(reencoded, 40 - n);
    const textEqual = decode([...reencoded, ...viaText.gen]) === fullText;
    check(idsEqual && textEqual, `${show(prompt)} resumed after ${n} tokens: same ids (${idsEqual}) and, via re-encoded text, same final text (${textEqual})`);
  }
}

// -- cache vs no cache: one forward over the whole sequence ----------------------------------------
console.log('\n== KV cache vs one uncached forward over prompt + generated tokens');
for (const prompt of [LENGTH_PROMPT, 'Tonight, I ask']) {
  const { ids, gen } = runs[prompt];
  const seq = [...ids, ...gen];
  const input_ids = new Tensor('int64', BigInt64Array.from(seq), [1, seq.length]);
  const attention_mask = new Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]);
  const { logits } = await model({ input_ids, attention_mask });
  const V = logits.dims[2];
  let agree = true;
  let minGap = Infinity;
  for (let t = ids.length - 1; t < seq.length - 1; t++) {
    const row = logits.data.subarray(t * V, (t + 1) * V);
    let best = 0;
    for (let i = 1; i < V; i++) if (row[i] > row[best]) best = i;
    const second = Math.max(...row.filter((_, i) => i !== best));
    minGap = Math.min(minGap, row[best] - second);
    if (BigInt(best) !== seq[t + 1]) agree = false;
  }
  check(agree, `${show(prompt)}: argmax of the uncached forward at every position === the token generated with the cache (min margin ${minGap.toFixed(3)})`);
}

// -- TextStreamer ----------------------------------------------------------------------------------
console.log('\n== TextStreamer (skip_prompt), one callback per token');
for (const prompt of [STOP_PROMPT, 'Tonight, I ask']) {
  const pieces = [];
  const tokens = [];
  const streamer = new TextStreamer(generator.tokenizer, {
    skip_prompt: true,
    callback_function: (text) => pieces.push(text),
    token_callback_function: (ids) => tokens.push(...ids),
  });
  await generator(prompt, { max_new_tokens: 40, do_sample: false, streamer });
  console.log(`  ${show(prompt)} tokens: ${tokens.map((id) => show(tokenizer.decode([id]))).join(' ')}`);
  console.log(`  ${show(prompt)} text callbacks: ${pieces.map(show).join(' ')}`);
  check(pieces.join('') === pipeTexts[prompt], `streamed text === pipeline new text for ${show(prompt)}; prompt + stream reads ${show(prompt + pieces.join(''))}`);
  check(sameIds(tokens, runs[prompt].gen), `one token callback per generated token (${tokens.length})`);
}

// -- timing ----------------------------------------------------------------------------------------
console.log('\n== timing (onnxruntime-node, cpu)');
{
  const ids = runs[LENGTH_PROMPT].ids;
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const { gen } = await generate(ids, 40);
    times.push([(performance.now() - t0) / 1000, gen.length]);
  }
  times.sort((x, y) => x[0] - y[0]);
  const [median, n] = times[2];
  console.log(`  generate(): ${n} tokens in ${(median * 1000).toFixed(1)} ms (median of 5) = ${(n / median).toFixed(0)} tokens/s`);
  const t0 = performance.now();
  await generator(LENGTH_PROMPT, { max_new_tokens: 40, do_sample: false });
  const dt = (performance.now() - t0) / 1000;
  console.log(`  pipeline(): 40 tokens in ${(dt * 1000).toFixed(1)} ms = ${(40 / dt).toFixed(0)} tokens/s (with tokenizing and decoding)`);
}

// -- batch of 3, left padded -----------------------------------------------------------------------
console.log('\n== batch of 3 prompts, left padded (generate)');
{
  const prompts = [LENGTH_PROMPT, STOP_PROMPT, 'The state of our Union is'];
  tokenizer.padding_side = 'left';
  const inputs = tokenizer(prompts, { padding: true });
  const recorder = new MarginRecorder();
  const out = await model.generate({ ...inputs, max_new_tokens: 40, do_sample: false, logits_processor: [recorder] });
  allMargins.push(...recorder.margins);
  const width = inputs.input_ids.dims[1];
  for (let r = 0; r < prompts.length; r++) {
    const row = Array.from(out.data.slice(r * out.dims[1], (r + 1) * out.dims[1])).slice(width);
    const cut = row.indexOf(eos);
    const gen = cut >= 0 ? row.slice(0, cut + 1) : row;
    check(sameIds(gen, runs[prompts[r]].gen), `batch row ${r} ${show(prompts[r])} (until its EOS) === its single run: ${show(decode(gen))}`);
  }
  const texts = await generator(prompts, { max_new_tokens: 40, do_sample: false, return_full_text: false });
  console.log(`  pipeline batch (rows keep generating after their EOS until all stop; the pipeline does not cut them): ${texts.map((x) => show(x[0].generated_text.slice(0, 60))).join(' | ')}`);
}

const minMargin = Math.min(...allMargins);
console.log(`\n== greedy margins: ${allMargins.length} steps recorded, min top1-top2 = ${minMargin.toFixed(4)}`);
check(minMargin >= MIN_MARGIN, `every greedy step has top1 - top2 >= ${MIN_MARGIN}`);

// -- onnxruntime-web (wasm) on the raw graph ----------------------------------------------------------
if (!args.includes('--no-wasm')) {
  console.log('\n== onnxruntime-web wasm (raw graph, hand-written greedy loop with the cache)');
  try {
    const requireFromTransformers = createRequire(transformersCjs);
    const ortWebPath = requireFromTransformers.resolve('onnxruntime-web');
    const ortWebVersion = JSON.parse(readFileSync(join(dirname(ortWebPath), '..', 'package.json'), 'utf8')).version;
    const ortWeb = await import(pathToFileURL(ortWebPath).href);
    ortWeb.env.wasm.numThreads = 1;
    const bytes = readFileSync(join(modelsDir, MODEL, 'onnx/model.onnx'));
    const wasm = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const D = 64;
    for (const prompt of [LENGTH_PROMPT, STOP_PROMPT]) {
      const { ids, gen } = runs[prompt];
      let seq = [...ids];
      let feed = {
        input_ids: new ortWeb.Tensor('int64', BigInt64Array.from(seq), [1, seq.length]),
        position_ids: new ortWeb.Tensor('int64', BigInt64Array.from(seq.map((_, i) => BigInt(i))), [1, seq.length]),
        'past_key_values.0.key': new ortWeb.Tensor('float32', new Float32Array(0), [1, 1, 0, D]),
        'past_key_values.0.value': new ortWeb.Tensor('float32', new Float32Array(0), [1, 1, 0, D]),
      };
      const out = [];
      for (let step = 0; step < 40; step++) {
        feed.attention_mask = new ortWeb.Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]);
        const res = await wasm.run(feed);
        const V = res.logits.dims[2];
        const row = res.logits.data.subarray(res.logits.data.length - V);
        let best = 0;
        for (let i = 1; i < V; i++) if (row[i] > row[best]) best = i;
        out.push(BigInt(best));
        if (BigInt(best) === eos) break;
        seq.push(BigInt(best));
        feed = {
          input_ids: new ortWeb.Tensor('int64', BigInt64Array.from([BigInt(best)]), [1, 1]),
          position_ids: new ortWeb.Tensor('int64', BigInt64Array.from([BigInt(seq.length - 1)]), [1, 1]),
          'past_key_values.0.key': res['present.0.key'],
          'past_key_values.0.value': res['present.0.value'],
        };
      }
      check(sameIds(out, gen), `onnxruntime-web ${ortWebVersion} wasm greedy === onnxruntime-node for ${show(prompt)} (${out.length} tokens)`);
    }
  } catch (err) {
    check(false, `onnxruntime-web wasm run: ${err?.stack ?? err}`);
  }
}

console.log(failures === 0 ? '\nALL CHECKS PASSED' : `\n${failures} CHECK(S) FAILED`);
process.exit(failures === 0 ? 0 : 1);
