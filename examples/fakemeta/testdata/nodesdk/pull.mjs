// The Node half of the side-by-side pull benchmark (bench.mjs): pulls
// ad-level daily insights of one account with Meta's Node SDK cursor
// (AdAccount.getInsights, then cursor.next() to the end) and prints one
// JSON line like examples/pullbench: rows, total spend, wall seconds,
// rows/s, the process's CPU seconds and peak RSS.
//
//   GRAPH_TOKEN=... node pull.mjs URL act_ID SINCE UNTIL [LIMIT] [FIELDS]
import { require, pointSdkAt, micros } from './harness.mjs';

const bizSdk = require('facebook-nodejs-business-sdk');
const [url, account, since, until, limit = '500',
  fields = 'account_id,campaign_id,adset_id,ad_id,ad_name,impressions,clicks,spend,actions,action_values'] = process.argv.slice(2);
if (!url || !account || !since || !until || !process.env.GRAPH_TOKEN) {
  console.error('usage: GRAPH_TOKEN=... node pull.mjs URL act_ID SINCE UNTIL [LIMIT] [FIELDS]');
  process.exit(2);
}
pointSdkAt(bizSdk, url);
bizSdk.FacebookAdsApi.init(process.env.GRAPH_TOKEN, 'en_US', false);

const start = process.hrtime.bigint();
let rows = 0;
let spend = 0n; // millionths
const take = (cursor) => {
  for (const r of cursor) {
    rows++;
    spend += micros(r.spend ?? '0');
  }
};
const cursor = await new bizSdk.AdAccount(account).getInsights(fields.split(','), {
  level: 'ad', time_increment: 1, time_range: { since, until }, limit: Number(limit),
});
take(cursor);
while (cursor.hasNext()) {
  await cursor.next();
  take(cursor);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const ru = process.resourceUsage();
console.log(JSON.stringify({
  client: 'facebook-nodejs-business-sdk 24.0.1 (Cursor)',
  rows,
  spend_micros: spend.toString(),
  seconds,
  rows_per_sec: rows / seconds,
  cpu_seconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6,
  peak_rss_mb: ru.maxRSS / 1024, // kilobytes
}));
