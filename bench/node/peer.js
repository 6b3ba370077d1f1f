// The official Node SDK (@onesignal/node-onesignal, pinned in package.json) doing the benchmark's job,
// configured with the local server as its base URL and otherwise as its README shows.
//
//   node peer.js sequential | concurrent | audience     (settings in BENCH_* variables, see bench/README.md)
//
// Prints one JSON line like every peer. CPU is process.cpuUsage() (getrusage of this process, user +
// system), peak RSS is process.resourceUsage().maxRSS (ru_maxrss, KiB). The SDK's HTTP library is Node's
// fetch, which speaks HTTP/1.1 only (also over TLS), so "http" is always "1.1".
'use strict';

const crypto = require('crypto');
const OneSignal = require('@onesignal/node-onesignal');

function setting(name, dflt) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (dflt === undefined) throw new Error(`missing setting ${name}`);
    return dflt;
  }
  return v;
}

function count(name, dflt) {
  const n = Number(setting(name, String(dflt)));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a count`);
  return n;
}

const cfg = {
  url: setting('BENCH_URL'),
  key: setting('BENCH_KEY'),
  appId: setting('BENCH_APP_ID'),
  count: count('BENCH_COUNT', 1000),
  warmup: count('BENCH_WARMUP', 100),
  inflight: count('BENCH_INFLIGHT', 1),
  audience: count('BENCH_AUDIENCE', 20000),
};
// https: the test CA comes through NODE_EXTRA_CA_CERTS, which Node reads only at start (the runner sets it).

const client = new OneSignal.DefaultApi(OneSignal.createConfiguration({
  restApiKey: cfg.key,
  baseServer: new OneSignal.ServerConfiguration(cfg.url, {}),
}));

function smallNotification() {
  const n = new OneSignal.Notification();
  n.app_id = cfg.appId;
  n.contents = { en: 'Benchmark message' };
  n.include_aliases = { external_id: ['bench-user-1'] };
  n.target_channel = 'push';
  n.idempotency_key = crypto.randomUUID();
  return n;
}

let audienceIds = null;
function audienceNotification() {
  if (!audienceIds) {
    audienceIds = [];
    for (let i = 1; i <= cfg.audience; i++) audienceIds.push(`bench-user-${i}`);
  }
  const n = smallNotification();
  n.include_aliases = { external_id: audienceIds };
  return n;
}

async function sendOne(make) {
  const answer = await client.createNotification(make());
  if (!OneSignal.isMessageSent(answer)) throw new Error('the server did not answer with a notification id');
}

// Sends n notifications with at most `inflight` awaiting an answer at any time.
async function run(n, inflight, make) {
  let started = 0;
  async function worker() {
    while (started < n) {
      started++;
      await sendOne(make);
    }
  }
  const workers = [];
  for (let i = 0; i < Math.min(n, inflight); i++) workers.push(worker());
  await Promise.all(workers);
}

function mark() {
  const cpu = process.cpuUsage();
  return { wall: Number(process.hrtime.bigint()) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 };
}

async function main() {
  const mode = process.argv[2];
  let inflight = 1;
  let make = smallNotification;
  if (mode === 'concurrent') inflight = cfg.inflight;
  else if (mode === 'audience') make = audienceNotification;
  else if (mode !== 'sequential') throw new Error('usage: node peer.js sequential|concurrent|audience');

  await run(cfg.warmup, inflight, make);
  const from = mark();
  await run(cfg.count, inflight, make);
  const to = mark();
  process.stdout.write(JSON.stringify({
    peer: 'node', mode, count: cfg.count, wall_s: to.wall - from.wall, cpu_s: to.cpu - from.cpu,
    maxrss_kib: process.resourceUsage().maxRSS, http: '1.1',
  }) + '\n');
}

main().catch((err) => {
  // The SDK's errors carry the request; print the message only, never the key.
  process.stderr.write(`bench peer (node): ${err && err.message ? err.message : String(err)}\n`);
  process.exit(2);
});
