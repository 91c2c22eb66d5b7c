// The side-by-side pull benchmark: one fakemeta process serving 1,000,000
// ad-level daily insights rows (5,000 ads x 200 days, unthrottled), and,
// for 10k, 100k and 1M rows (2, 20 and 200 days), adpilot's insights
// iterator (examples/pullbench) and Meta's Node SDK cursor (pull.mjs) each
// pulling the same rows in a process of its own, one after the other.
// Prints a Markdown table: rows (must be equal, with the same spend),
// rows/s, client CPU seconds, peak RSS.
//
//   npm ci && node bench.mjs [sizes...]     (sizes in rows, default 10000 100000 1000000)
//
// Not part of CI: the 1M-row pulls take a few minutes on 2 cores.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { examplesDir, fakemetaBinary, startFakemeta } from './harness.mjs';

const ADS = 5000;
const DAYS = 200;
const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['10000', '100000', '1000000']).map(Number);
for (const n of sizes) {
  if (!Number.isInteger(n) || n % ADS !== 0 || n / ADS > DAYS) {
    throw new Error(`size ${n}: want a multiple of ${ADS} rows up to ${ADS * DAYS}`);
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'pullbench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const goPuller = path.join(dir, 'pullbench');
execFileSync('go', ['build', '-o', goPuller, './pullbench'], { cwd: examplesDir, stdio: ['ignore', 'inherit', 'inherit'] });

const fake = await startFakemeta(['-ads', String(ADS), '-days', String(DAYS), '-rate-limits', 'unthrottled'], fakemetaBinary());
const account = 'act_2000000000000001';
const day = (offset) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

function runClient(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: here, env: { ...process.env, GRAPH_TOKEN: fake.token }, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const table = [];
try {
  for (const n of sizes) {
    // The last n/ADS full days (the fake's accounts run in UTC-7/-8 with
    // days ending before today; yesterday is complete).
    const since = day(-(n / ADS)), until = day(-1);
    const go = runClient(goPuller, ['-url', fake.url, '-account', account, '-since', since, '-until', until, '-limit', '500']);
    const node = runClient(process.execPath, ['pull.mjs', fake.url, account, since, until, '500']);
    const goMicros = BigInt(go.spend_minor) * 10_000n; // USD cents to millionths
    const same = go.rows === node.rows && goMicros === BigInt(node.spend_micros);
    table.push({ n, go, node, same, spend: (Number(goMicros) / 1e6).toFixed(2) });
    if (!same) console.error(`MISMATCH at ${n}: Go ${go.rows} rows ${goMicros}, Node ${node.rows} rows ${node.spend_micros}`);
  }
} finally {
  await fake.stop();
}

const f = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nfakemeta -ads ${ADS} -days ${DAYS} -rate-limits unthrottled; page size 500; ${os.cpus().length} CPUs, Node ${process.version}\n`);
console.log('| rows asked | client | rows | spend (USD) | equal | rows/s | client CPU s | peak RSS MB |');
console.log('|---:|---|---:|---:|:---:|---:|---:|---:|');
for (const t of table) {
  for (const r of [t.go, t.node]) {
    console.log(`| ${t.n.toLocaleString('en-US')} | ${r.client} | ${r.rows.toLocaleString('en-US')} | ${t.spend} | ${t.same ? 'yes' : 'NO'} | ${f(r.rows_per_sec, 0)} | ${f(r.cpu_seconds, 2)} | ${f(r.peak_rss_mb)} |`);
  }
}
if (table.some((t) => !t.same)) process.exit(1);
