#!/usr/bin/env node
// The branch server's load requirement, measured: N simulated devices on
// loopback write records and listen for updates; how long until a record one
// device writes is seen by every other device entitled to it (p95 < 300 ms is
// the target). A benchmark that reports; not a timed test.
//
//   node tests/bench/branch_latency.mjs [--devices 50] [--seconds 20] [--rate 2]
//        [--accounts N] [--drain 5] [--bin PATH] [--out FILE]
//
// It creates a scratch data folder and one account per device (or --accounts N
// shared round-robin: sessions are per sign-in, so one account may hold several
// devices), roles mixed as in a branch (teller, vip_teller, lobby, psm, cm,
// head); starts the real `nextbest serve --no-demo` on a free loopback port;
// signs every device in and opens one `GET /api/events` stream per device; then
// for --seconds each device writes a record (`POST /api/records`, a fresh id)
// after a random pause (exponential, mean --rate seconds: 50 devices at 2 s is
// ~25 writes/s, far more than a branch makes). Kinds follow what the role may
// write (mostly outcome, some handoff, lead, unmet_need, follow_up,
// staff_state). For every record, every device whose role and name entitle it
// to the record (the table of src/server/access.rs, mirrored below) must get it
// on its stream; the delay is from the writer's send to the event's arrival, on
// this process's one clock (performance.now()). The writer's own copy is
// checked but not timed. Before the load it also times `GET /api/session`
// (an authenticated loopback round trip: the floor).
//
// Fails (exit 1) on any missing delivery or any event a device should not get;
// exit 2 on a setup error. Writes target/bench/branch_latency.json.
// The server is killed at the end, also on error or Ctrl-C.

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR
  ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR)
  : path.join(ROOT, 'target');

function usage(msg) {
  const text = fs
    .readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .slice(1, 27)
    .map((l) => l.replace(/^\/\/ ?/, ''))
    .join('\n');
  if (!msg) {
    console.log(text);
    process.exit(0);
  }
  console.error(`branch_latency: ${msg}\n${text.split('\n').slice(5, 7).join('\n')}`);
  process.exit(2);
}

const opt = {
  devices: 50,
  seconds: 20,
  rate: 2,
  accounts: 0,
  drain: 5,
  bin: path.join(TARGET, 'release', 'nextbest'),
  out: path.join(TARGET, 'bench', 'branch_latency.json'),
};
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i];
    if (k === '-h' || k === '--help') usage();
    const name = k.replace(/^--/, '');
    if (!k.startsWith('--') || !(name in opt)) usage(`unknown flag ${k}`);
    if (i + 1 >= a.length) usage(`${k} needs a value`);
    const v = a[++i];
    if (typeof opt[name] === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) usage(`${k}: not a number: ${v}`);
      opt[name] = n;
    } else {
      opt[name] = path.resolve(v);
    }
  }
  opt.devices = Math.floor(opt.devices);
  if (opt.devices < 2) usage('--devices: at least 2');
  if (!(opt.rate > 0)) usage('--rate: mean seconds between one device\'s writes, > 0');
  opt.accounts = Math.floor(opt.accounts) || opt.devices;
  opt.accounts = Math.min(opt.accounts, opt.devices);
}

// ---- who may write and read what: src/server/access.rs, mirrored ----------

const WRITES = {
  teller: ['outcome', 'handoff', 'unmet_need', 'staff_state'],
  vip_teller: ['outcome', 'handoff', 'unmet_need', 'staff_state'],
  lobby: ['outcome', 'handoff', 'lead', 'unmet_need', 'staff_state', 'hall_state'],
  psm: ['outcome', 'handoff', 'lead', 'unmet_need', 'staff_state'],
  cm: ['outcome', 'follow_up', 'staff_state'],
  head: ['staff_state', 'hall_state'],
};
const ALL_KINDS = ['outcome', 'handoff', 'lead', 'unmet_need', 'follow_up', 'staff_state', 'hall_state'];
// role → kind → 'all' | 'own' | 'assigned' (a lead to this customer manager or to the day's pool); absent: none.
// Staff and hall state are the branch context every device evaluates with: all staff read them.
const READS = {
  teller: { outcome: 'all', handoff: 'own', unmet_need: 'own', staff_state: 'all', hall_state: 'all' },
  vip_teller: { outcome: 'all', handoff: 'own', unmet_need: 'own', staff_state: 'all', hall_state: 'all' },
  lobby: { outcome: 'all', handoff: 'all', lead: 'all', unmet_need: 'all', staff_state: 'all', hall_state: 'all' },
  psm: { outcome: 'all', handoff: 'all', staff_state: 'all', hall_state: 'all', lead: 'own', unmet_need: 'own' },
  cm: { outcome: 'all', handoff: 'all', lead: 'assigned', follow_up: 'all', staff_state: 'all', hall_state: 'all' },
  head: Object.fromEntries(ALL_KINDS.map((k) => [k, 'all'])),
};
const mayRead = (role, reader, kind, author, body) => {
  const s = READS[role][kind];
  return s === 'all' || (s === 'own' && reader === author) || (s === 'assigned' && (body?.assigned_to ?? '') === '');
};

// A branch has more tellers than anything else.
const ROLE_CYCLE = ['teller', 'vip_teller', 'lobby', 'psm', 'cm', 'head', 'teller', 'teller'];

const PRODUCTS = JSON.parse(fs.readFileSync(path.join(ROOT, 'rules', 'products.json'), 'utf8')).map((p) => p.id);
const OUTCOMES = ['accepted', 'declined', 'not_now', 'no_answer'];
const DESTS = ['vip_area', 'relationship_manager', 'product_sales', 'teller_queue'];
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

function recordFor(role, n) {
  const kinds = WRITES[role];
  // Mostly outcomes (what every device reads); the rest spread over the role's other kinds.
  const kind = kinds.length === 1 || Math.random() < 0.6 ? kinds[0] : pick(kinds.slice(1));
  const customer = kind === 'staff_state' || kind === 'hall_state' ? '' : `C${1 + Math.floor(Math.random() * 500)}`;
  const body = {
    outcome: () => ({ product: pick(PRODUCTS), outcome: pick(OUTCOMES) }),
    handoff: () => ({ to: pick(DESTS), products: [pick(PRODUCTS)] }),
    lead: () => ({ assigned_to: '', products: [pick(PRODUCTS)] }),
    unmet_need: () => ({ need: 'overseas_study', note: `bench ${n}` }),
    follow_up: () => ({ channel: 'phone', outcome: pick(OUTCOMES), product: pick(PRODUCTS) }),
    staff_state: () => ({ state: pick(['available', 'busy', 'away']) }),
    hall_state: () => ({ queues: { teller: Math.floor(Math.random() * 9) }, vip_seats_free: Math.floor(Math.random() * 4) }),
  }[kind]();
  return { id: randomUUID(), kind, customer, body };
}

// ---- statistics -------------------------------------------------------------

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
function stats(xs) {
  const s = Float64Array.from(xs).sort();
  const r = (v) => (v == null ? null : Math.round(v * 100) / 100);
  return {
    n: s.length,
    p50: r(quantile(s, 0.5)),
    p95: r(quantile(s, 0.95)),
    p99: r(quantile(s, 0.99)),
    max: r(s.length ? s[s.length - 1] : null),
    mean: r(s.length ? s.reduce((a, b) => a + b, 0) / s.length : null),
  };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the server ---------------------------------------------------------------

let server = null;
let scratch = null;
function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGKILL');
    } catch {}
  }
  if (scratch) {
    try {
      fs.rmSync(scratch, { recursive: true, force: true });
    } catch {}
    scratch = null;
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

class SetupError extends Error {}

function startServer(www, data) {
  return new Promise((resolve, reject) => {
    const child = spawn(opt.bin, ['serve', '--addr', '127.0.0.1:0', '--www', www, '--data', data, '--no-demo'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new SetupError(`the server printed no URL in 15 s: ${out}${err}`)), 15000);
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    child.stdout.on('data', (d) => {
      out = (out + d).slice(-4000);
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SetupError(`${opt.bin}: ${e.message}`));
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      // Before the URL: a setup error. After it (while running): every later write fails and says so.
      reject(new SetupError(`the server exited (${code ?? sig}) before it was ready: ${err.trim()}`));
      if (running) notes.push(`the server exited (${code ?? sig}) during the run: ${err.trim().slice(-500)}`);
    });
  });
}

// ---- one device ---------------------------------------------------------------

let base = '';
let origin = '';

async function signIn(dev) {
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ name: dev.name, password: dev.password }),
  });
  if (res.status !== 200) throw new SetupError(`sign-in of ${dev.name}: HTTP ${res.status} ${await res.text()}`);
  const cookie = (res.headers.getSetCookie?.() ?? [res.headers.get('set-cookie')])
    .map((c) => c && c.split(';')[0])
    .find((c) => c && c.startsWith('nb_session='));
  if (!cookie) throw new SetupError(`sign-in of ${dev.name}: no nb_session cookie`);
  dev.cookie = cookie;
  dev.csrf = (await res.json()).csrf;
}

// Records being written or delivered, by id.
const records = new Map();
const counts = { unexpected: 0, unknown: 0, duplicates: 0, reconnects: 0, streamErrors: 0, writeErrors: 0 };
const notes = [];
let running = true;

function onEvent(dev, ev, t) {
  if (ev.event !== 'record') return;
  let rec;
  try {
    rec = JSON.parse(ev.data);
  } catch {
    counts.unknown++;
    return;
  }
  if (ev.id) dev.lastId = ev.id;
  const r = records.get(rec.id);
  if (!r) {
    counts.unknown++;
    return;
  }
  if (r.failed) return;
  if (!r.expected.has(dev.i)) {
    counts.unexpected++;
    if (notes.length < 20) notes.push(`device ${dev.i} (${dev.role} ${dev.name}) got ${r.kind} by ${r.author}`);
    return;
  }
  if (r.got.has(dev.i)) {
    counts.duplicates++;
    return;
  }
  r.got.add(dev.i);
  received++;
  if (dev.i !== r.writer) latencies.push(t - r.sent);
}

let received = 0;
let expectedTotal = 0;
const latencies = [];

// One SSE stream, parsed by hand: blocks split by a blank line, `field: value` lines.
async function listen(dev, ready) {
  let first = true;
  while (running) {
    const headers = { cookie: dev.cookie };
    if (dev.lastId) headers['last-event-id'] = dev.lastId;
    let res;
    try {
      dev.abort = new AbortController();
      res = await fetch(`${base}/api/events`, { headers, signal: dev.abort.signal });
      if (res.status !== 200) throw new Error(`HTTP ${res.status} ${await res.text()}`);
    } catch (e) {
      if (!running) return;
      if (first) return ready.reject(new SetupError(`events of device ${dev.i}: ${e.message}`));
      counts.streamErrors++;
      await sleep(100);
      continue;
    }
    if (first) {
      first = false;
      ready.resolve();
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const t = performance.now();
        buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev = { event: 'message', data: [], id: null };
          for (const line of block.split('\n')) {
            if (line === '' || line.startsWith(':')) continue;
            const c = line.indexOf(':');
            const field = c < 0 ? line : line.slice(0, c);
            let value = c < 0 ? '' : line.slice(c + 1);
            if (value.startsWith(' ')) value = value.slice(1);
            if (field === 'event') ev.event = value;
            else if (field === 'data') ev.data.push(value);
            else if (field === 'id') ev.id = value;
          }
          if (ev.data.length === 0) continue;
          ev.data = ev.data.join('\n');
          onEvent(dev, ev, t);
        }
      }
    } catch (e) {
      if (!running) return;
      counts.streamErrors++;
    }
    if (!running) return;
    // The server ends a lagging client's stream; it resumes with Last-Event-ID.
    counts.reconnects++;
    if (notes.length < 20) notes.push(`device ${dev.i}'s stream ended at id ${dev.lastId}; reconnected`);
  }
}

const ackLatencies = [];
let writes = 0;

async function write(dev, devices) {
  const rec = recordFor(dev.role, writes);
  const expected = new Set();
  for (const d of devices) if (mayRead(d.role, d.name, rec.kind, dev.name, rec.body)) expected.add(d.i);
  const r = { kind: rec.kind, author: dev.name, writer: dev.i, expected, got: new Set(), sent: 0 };
  records.set(rec.id, r);
  r.sent = performance.now();
  let res;
  try {
    res = await fetch(`${base}/api/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': dev.csrf, cookie: dev.cookie, origin },
      body: JSON.stringify(rec),
    });
    await res.arrayBuffer();
  } catch (e) {
    res = { status: `error ${e.message}` };
  }
  if (res.status !== 201) {
    counts.writeErrors++;
    r.failed = true;
    if (notes.length < 20) notes.push(`write by device ${dev.i} (${dev.role}, ${rec.kind}): ${res.status}`);
    return;
  }
  ackLatencies.push(performance.now() - r.sent);
  writes++;
  expectedTotal += expected.size;
}

async function writer(dev, devices, until) {
  for (;;) {
    const pause = -Math.log(1 - Math.random()) * opt.rate * 1000;
    if (performance.now() + pause >= until) return;
    await sleep(pause);
    await write(dev, devices);
  }
}

// ---- the run -------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(opt.bin)) throw new SetupError(`${opt.bin} not found: cargo build --release (or pass --bin)`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nextbest-latency-'));
  const www = path.join(scratch, 'www');
  const data = path.join(scratch, 'data');
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, 'index.html'), '<!doctype html><title>bench</title>');

  const t0 = performance.now();
  const accounts = [];
  for (let a = 0; a < opt.accounts; a++) {
    const role = ROLE_CYCLE[a % ROLE_CYCLE.length];
    const acct = { name: `bench-${role}-${a}`, role, password: `bench-password-${a}-${randomUUID()}` };
    const r = spawnSync(opt.bin, ['user', 'add', acct.name, '--role', role, '--password-stdin', '--data', data], {
      input: `${acct.password}\n`,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new SetupError(`user add ${acct.name}: exit ${r.status}: ${r.stderr || r.error}`);
    accounts.push(acct);
  }
  const tAccounts = performance.now() - t0;

  const addr = await startServer(www, data);
  base = `http://${addr}`;
  origin = base;
  console.log(`branch_latency: server at ${base}; ${opt.accounts} accounts in ${(tAccounts / 1000).toFixed(1)} s`);

  const devices = [];
  for (let i = 0; i < opt.devices; i++) {
    const a = accounts[i % accounts.length];
    devices.push({ i, name: a.name, role: a.role, password: a.password, lastId: null });
  }
  const t1 = performance.now();
  // Two at a time: each sign-in is an argon2id check on the server's 2 worker threads.
  for (let i = 0; i < devices.length; i += 2) await Promise.all(devices.slice(i, i + 2).map(signIn));
  const tSignIn = performance.now() - t1;

  // The floor: an authenticated loopback round trip, one at a time, before the load.
  const floor = [];
  const d0 = devices[0];
  for (let k = 0; k < 220; k++) {
    const s = performance.now();
    const res = await fetch(`${base}/api/session`, { headers: { cookie: d0.cookie } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new SetupError(`GET /api/session: HTTP ${res.status}`);
    if (k >= 20) floor.push(performance.now() - s);
  }

  const listeners = [];
  const readies = devices.map(() => {
    let resolve, reject;
    const p = new Promise((a, b) => ((resolve = a), (reject = b)));
    return { p, resolve, reject };
  });
  devices.forEach((d, i) => listeners.push(listen(d, readies[i])));
  await Promise.all(readies.map((r) => r.p));
  // The response headers come after the handler subscribed, so every stream is live now.
  console.log(
    `branch_latency: ${devices.length} devices signed in (${(tSignIn / 1000).toFixed(1)} s) and listening; ` +
      `writing for ${opt.seconds} s, each device every ${opt.rate} s on average ` +
      `(~${(devices.length / opt.rate).toFixed(0)} writes/s)`,
  );

  const start = performance.now();
  const until = start + opt.seconds * 1000;
  await Promise.all(devices.map((d) => writer(d, devices, until)));
  const wrote = performance.now();
  // Let the last events arrive.
  while (received < expectedTotal && performance.now() - wrote < opt.drain * 1000) await sleep(20);
  const drained = performance.now() - wrote;
  running = false;
  for (const d of devices) d.abort?.abort();
  await Promise.allSettled(listeners);

  const lat = stats(latencies);
  const ack = stats(ackLatencies);
  const fl = stats(floor);
  const missing = expectedTotal - received;
  const missingSample = [...records.values()]
    .filter((r) => !r.failed && r.got.size < r.expected.size)
    .slice(0, 5)
    .map((r) => `${r.kind} by ${r.author}: ${r.got.size}/${r.expected.size} devices`);
  const report = {
    devices: devices.length,
    accounts: opt.accounts,
    roles: Object.fromEntries(Object.keys(WRITES).map((r) => [r, devices.filter((d) => d.role === r).length])),
    seconds: opt.seconds,
    mean_interval_s: opt.rate,
    writes,
    writes_per_s: Math.round((writes / ((wrote - start) / 1000)) * 10) / 10,
    write_errors: counts.writeErrors,
    expected_deliveries: expectedTotal,
    received_deliveries: received,
    missing_deliveries: missing,
    unexpected_deliveries: counts.unexpected,
    unknown_events: counts.unknown,
    duplicate_deliveries: counts.duplicates,
    stream_reconnects: counts.reconnects,
    stream_errors: counts.streamErrors,
    drain_ms: Math.round(drained),
    delivery_ms: lat,
    write_ack_ms: ack,
    floor_get_session_ms: fl,
    p95_over_floor_p95: fl.p95 ? Math.round((lat.p95 / fl.p95) * 10) / 10 : null,
    target_p95_ms: 300,
    meets_target: lat.p95 != null && lat.p95 < 300,
    notes: [...notes, ...missingSample],
    node: process.version,
    cpus: os.cpus().length,
    at: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(opt.out), { recursive: true });
  fs.writeFileSync(opt.out, JSON.stringify(report, null, 2) + '\n');

  const f = (v) => (v == null ? '–' : v.toFixed(1));
  console.log(
    [
      `branch_latency: ${report.devices} devices (${Object.entries(report.roles).map(([r, n]) => `${n} ${r}`).join(', ')}), ` +
        `${writes} writes in ${opt.seconds} s (${report.writes_per_s}/s)`,
      `  deliveries: ${received} of ${expectedTotal} expected` +
        (missing ? `, ${missing} MISSING` : '') +
        (counts.unexpected ? `, ${counts.unexpected} UNEXPECTED` : '') +
        (counts.duplicates ? `, ${counts.duplicates} duplicates` : '') +
        (counts.reconnects ? `, ${counts.reconnects} stream reconnects` : '') +
        (counts.writeErrors ? `, ${counts.writeErrors} WRITE ERRORS` : ''),
      `  delivery to another device, ms: p50 ${f(lat.p50)}  p95 ${f(lat.p95)}  p99 ${f(lat.p99)}  max ${f(lat.max)}  (${lat.n} timed)`,
      `  write ack, ms: p50 ${f(ack.p50)}  p95 ${f(ack.p95)}`,
      `  floor, GET /api/session alone, ms: p50 ${f(fl.p50)}  p95 ${f(fl.p95)}  (delivery p95 = ${report.p95_over_floor_p95}× floor p95)`,
      `  target: p95 < 300 ms: ${report.meets_target ? 'met' : 'NOT MET'}`,
      ...report.notes.map((n) => `  note: ${n}`),
      `branch_latency: wrote ${opt.out.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), opt.out) : opt.out}`,
    ].join('\n'),
  );
  const failed = missing > 0 || counts.unexpected > 0 || counts.unknown > 0 || counts.writeErrors > 0;
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    cleanup();
    process.exit(code);
  },
  (e) => {
    cleanup();
    console.error(`branch_latency: ERROR: ${e instanceof SetupError ? e.message : e.stack}`);
    process.exit(e instanceof SetupError ? 2 : 1);
  },
);
