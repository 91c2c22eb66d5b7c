// Starting fakemeta for the Node SDK suite and benchmark, and reading the
// fake's own data without the SDK (plain fetch, token in the header).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
// The examples module (examples/go.mod), where ./fakemeta builds.
export const examplesDir = path.resolve(here, '..', '..', '..');

export const require = createRequire(import.meta.url);

// fakemetaBinary returns FAKEMETA_BIN, or builds fakemeta into a temporary
// directory (removed at exit).
export function fakemetaBinary() {
  if (process.env.FAKEMETA_BIN) return process.env.FAKEMETA_BIN;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fakemeta-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'fakemeta');
  execFileSync('go', ['build', '-o', bin, './fakemeta'], { cwd: examplesDir, stdio: ['ignore', 'inherit', 'inherit'] });
  return bin;
}

// startFakemeta runs fakemeta on a free loopback port with extra flags and
// resolves, once it serves, to {url, token, stop}. The token is the demo
// user's, printed in the banner.
export function startFakemeta(args = [], bin = fakemetaBinary()) {
  const child = spawn(bin, ['-addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`fakemeta did not start in 60 s:\n${out}`)); }, 60_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`fakemeta exited with ${code}:\n${out}`)); });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(out);
      const token = /\n\s*token:\s+(\S+)\n/.exec(out);
      if (!url || !token) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const stop = () => new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
      resolve({ url: url[1], token: token[1], pid: child.pid, stop });
    });
  });
}

// pointSdkAt sets the Node SDK's Graph host (the static getter
// FacebookAdsApi.GRAPH, the SDK's only host setting) to the fake.
export function pointSdkAt(bizSdk, url) {
  Object.defineProperty(bizSdk.FacebookAdsApi, 'GRAPH', { get: () => url, configurable: true });
}

// raw reads the fake without the SDK: one GET with the token in the
// Authorization header, the answer's JSON.
export async function raw(fake, pathAndQuery, params = {}) {
  const qs = new URLSearchParams(params).toString();
  const res = await fetch(`${fake.url}/v24.0/${pathAndQuery}${qs ? (pathAndQuery.includes('?') ? '&' : '?') + qs : ''}`, {
    headers: { Authorization: `Bearer ${fake.token}` },
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${pathAndQuery}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

// rawAll reads every page of a list without the SDK, following the cursor.
export async function rawAll(fake, edge, params = {}) {
  const out = [];
  let after = '';
  for (;;) {
    const page = await raw(fake, edge, { limit: '5000', ...params, ...(after ? { after } : {}) });
    out.push(...page.data);
    if (!page.paging || !page.paging.next) return out;
    after = page.paging.cursors.after;
  }
}

// micros turns a decimal string ("123.45") into an exact BigInt of
// millionths, so sums of spend compare exactly.
export function micros(s) {
  const [whole, frac = ''] = String(s).split('.');
  return BigInt(whole) * 1_000_000n + BigInt((frac + '000000').slice(0, 6)) * (whole.startsWith('-') ? -1n : 1n);
}

// sumSpend adds the spend of rows, exactly, in millionths.
export const sumSpend = (rows) => rows.reduce((acc, r) => acc + micros(r.spend ?? '0'), 0n);
