// Conformance of fakemeta with Meta's official Node SDK
// (facebook-nodejs-business-sdk, pinned in package-lock.json), used through
// its documented API and unchanged: the only setting is its Graph host.
// Every flow compares what the SDK got with the fake's own data, read
// without the SDK (harness.mjs raw/rawAll: one big page, token in the
// header) or with the fake's own roll-ups (account totals, daily totals).
//
//   npm ci && npm test        (FAKEMETA_BIN=path/to/fakemeta to skip the build)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { require, startFakemeta, pointSdkAt, raw, rawAll, sumSpend } from './harness.mjs';

const bizSdk = require('facebook-nodejs-business-sdk');
const { FacebookAdsApi, FacebookAdsApiBatch, APIRequest, AdAccount, Campaign, User, AdsInsights } = bizSdk;

// The demo business (metaadstest.DemoBusiness).
const SHOP = 'act_1000000000000001';
const LEADS = 'act_1000000000000002';
const TOKYO = 'act_1000000000000003';

let fake;
let api;

before(async () => {
  fake = await startFakemeta(['-seed', '1']);
  pointSdkAt(bizSdk, fake.url);
  api = FacebookAdsApi.init(fake.token, 'en_US', false); // false: no crash reporter
});

after(async () => {
  if (fake) await fake.stop();
});

// drain pages a cursor to its end with the SDK's own next(), returning the
// objects' data and the number of pages.
async function drain(cursor) {
  const rows = cursor.map((o) => o.exportAllData());
  let pages = 1;
  while (cursor.hasNext()) {
    await cursor.next();
    rows.push(...cursor.map((o) => o.exportAllData()));
    pages++;
    assert.ok(pages < 10_000, 'paging ends');
  }
  return { rows, pages };
}

test('SDK version and host', () => {
  assert.equal(FacebookAdsApi.VERSION, 'v24.0');
  assert.equal(FacebookAdsApi.GRAPH, fake.url);
});

test('ad accounts paged at limit=1', async () => {
  const fields = [AdAccount.Fields.account_id, AdAccount.Fields.name, AdAccount.Fields.currency, AdAccount.Fields.timezone_name];
  const { rows, pages } = await drain(await new User('me').getAdAccounts(fields, { limit: 1 }));
  const want = await rawAll(fake, 'me/adaccounts', { fields: fields.join(',') });
  assert.equal(pages, 3, 'one page per account');
  assert.deepEqual(rows, want);
  assert.deepEqual(rows.map((a) => `${a.id} ${a.name} ${a.currency}`), [
    `${SHOP} Demo Shop US USD`, `${LEADS} Demo Leads EU EUR`, 'act_1000000000000003 Demo Tokyo JPY']);
});

test('campaigns paged at limit=1', async () => {
  const fields = [Campaign.Fields.name, Campaign.Fields.status, Campaign.Fields.objective, Campaign.Fields.effective_status];
  const { rows, pages } = await drain(await new AdAccount(SHOP).getCampaigns(fields, { limit: 1 }));
  const want = await rawAll(fake, `${SHOP}/campaigns`, { fields: fields.join(',') });
  assert.ok(want.length >= 4);
  assert.equal(pages, want.length);
  assert.deepEqual(rows, want);
  assert.ok(rows.some((c) => c.name === 'Brand Awareness (paused)' && c.status === 'PAUSED'));
});

const adFields = ['ad_id', 'ad_name', 'adset_id', 'campaign_id', 'impressions', 'clicks', 'spend', 'actions'];

test('ad-level daily insights over many pages', async () => {
  const params = { level: 'ad', time_increment: 1, date_preset: 'last_30d', limit: 25 };
  const { rows, pages } = await drain(await new AdAccount(SHOP).getInsights(adFields, { ...params }));
  const want = await rawAll(fake, `${SHOP}/insights`, { ...params, fields: adFields.join(','), limit: 5000 });
  assert.ok(want.length > 250, `${want.length} rows`);
  assert.equal(pages, Math.ceil(want.length / 25));
  assert.deepEqual(rows, want);
  // The fake's own roll-up: ad rows add up to the account's spend, per day.
  const daily = await rawAll(fake, `${SHOP}/insights`, { level: 'account', time_increment: 1, date_preset: 'last_30d', fields: 'spend' });
  assert.equal(daily.length, 30);
  for (const day of daily) {
    assert.equal(sumSpend(rows.filter((r) => r.date_start === day.date_start)), sumSpend([day]), day.date_start);
  }
});

test('hourly breakdown (breakdowns sent as a JSON array)', async () => {
  const hourly = 'hourly_stats_aggregated_by_advertiser_time_zone';
  const params = { level: 'ad', date_preset: 'yesterday', breakdowns: [hourly] };
  const { rows } = await drain(await new AdAccount(SHOP).getInsights(['ad_id', 'spend', 'impressions', 'reach'], { ...params, limit: 50 }));
  const want = await rawAll(fake, `${SHOP}/insights`, { level: 'ad', date_preset: 'yesterday', breakdowns: hourly, fields: 'ad_id,spend,impressions,reach' });
  assert.deepEqual(rows, want);
  assert.ok(rows.every((r) => r.reach === '0' && /^\d\d:00:00 - \d\d:59:59$/.test(r[hourly])));
  // Hours add up to the day, ad by ad.
  const days = await rawAll(fake, `${SHOP}/insights`, { level: 'ad', date_preset: 'yesterday', fields: 'ad_id,spend,impressions' });
  assert.ok(days.length > 5);
  for (const d of days) {
    const hours = rows.filter((r) => r.ad_id === d.ad_id);
    assert.ok(hours.length > 12, `${d.ad_id}: ${hours.length} hours`);
    assert.equal(sumSpend(hours), sumSpend([d]), d.ad_id);
    assert.equal(hours.reduce((n, r) => n + Number(r.impressions), 0), Number(d.impressions), d.ad_id);
  }
});

test('async report run through getInsightsAsync and its result pages', async () => {
  const params = { level: 'ad', time_increment: 1, date_preset: 'last_14d' };
  const run = await new AdAccount(SHOP).getInsightsAsync(adFields, { ...params });
  assert.ok(run.id, 'the run has the report_run_id as its id');
  let polls = 0;
  for (;;) {
    await run.get(['async_status', 'async_percent_completion']);
    polls++;
    if (run.async_status === 'Job Completed') break;
    assert.notEqual(run.async_status, 'Job Failed');
    assert.ok(polls < 50, 'the run completes');
  }
  assert.ok(polls > 1, 'the fake steps through its statuses');
  assert.equal(run.async_percent_completion, 100);
  const { rows, pages } = await drain(await run.getInsights([], { limit: 40 }));
  const want = await rawAll(fake, `${SHOP}/insights`, { ...params, fields: adFields.join(',') });
  assert.ok(pages > 2);
  assert.deepEqual(rows, want);
});

test('a batch of several calls through FacebookAdsApiBatch', async () => {
  const camps = await rawAll(fake, `${LEADS}/campaigns`, { fields: 'name,status' });
  const sets = await rawAll(fake, `${SHOP}/adsets`, { fields: 'name,daily_budget' });
  const shopCamps = await rawAll(fake, `${SHOP}/campaigns`, { fields: 'name,objective' });
  const got = {};
  const failed = [];
  const batch = new FacebookAdsApiBatch(api);
  for (const c of shopCamps.slice(0, 3)) {
    // {id}/?fields=... : APIRequest's node read.
    batch.addRequest(new APIRequest(c.id, 'GET', '/').addFields(['name', 'objective']),
      (r) => { got[c.id] = r.body; }, (r) => failed.push(r.error));
  }
  // fields as a JSON array inside relative_url.
  batch.add('GET', `${SHOP}/adsets`, { fields: ['name', 'daily_budget'], limit: 100 }, null,
    (r) => { got.adsets = r.body; }, (r) => failed.push(r.error));
  batch.add('POST', camps[0].id, { name: 'Webinar renamed by batch' }, null,
    (r) => { got.rename = r.body; }, (r) => failed.push(r.error));
  const retry = await batch.execute();
  assert.equal(retry, null, 'no operation left to retry');
  assert.deepEqual(failed, []);
  for (const c of shopCamps.slice(0, 3)) assert.deepEqual(got[c.id], c);
  assert.deepEqual(got.adsets.data, sets);
  assert.deepEqual(got.rename, { success: true });
  const after = await raw(fake, camps[0].id, { fields: 'name' });
  assert.equal(after.name, 'Webinar renamed by batch');
  await new Campaign(camps[0].id).update([], { name: camps[0].name });
});

test('a status update read back', async () => {
  const camps = await rawAll(fake, `${LEADS}/campaigns`, { fields: 'name,status' });
  const active = camps.find((c) => c.status === 'ACTIVE');
  assert.ok(active);
  // As Meta's BasicExample.js updates a campaign: the changes in the
  // constructor's data, then update().
  const c = new Campaign(active.id, { [Campaign.Fields.id]: active.id, [Campaign.Fields.status]: Campaign.Status.paused });
  assert.deepEqual(await c.update(), { success: true });
  const back = await new Campaign(active.id).read([Campaign.Fields.status, Campaign.Fields.effective_status]);
  assert.equal(back.status, 'PAUSED');
  assert.equal(back.effective_status, 'PAUSED');
  // The fake's own semantics: the campaign's ads are now CAMPAIGN_PAUSED.
  const ads = await rawAll(fake, `${active.id}/ads`, { fields: 'effective_status', effective_status: '["CAMPAIGN_PAUSED"]' });
  assert.ok(ads.length > 0);
  // The generated signature: update(fields, params).
  assert.deepEqual(await new Campaign(active.id).update([], { [Campaign.Fields.status]: Campaign.Status.active }), { success: true });
  assert.equal((await raw(fake, active.id, { fields: 'status' })).status, 'ACTIVE');
});

test('an invalid token raises FacebookRequestError with code 190', async () => {
  const bad = new FacebookAdsApi('not-a-valid-token', 'en_US', false);
  const is190 = (err) => {
    assert.equal(err.name, 'FacebookRequestError');
    assert.equal(err.status, 400);
    assert.equal(err.response.code, 190);
    assert.equal(err.response.type, 'OAuthException');
    return true;
  };
  await assert.rejects(new AdAccount(SHOP, {}, undefined, bad).read([AdAccount.Fields.name]), is190);
  await assert.rejects(new AdAccount(SHOP, {}, undefined, bad).getCampaigns(['name'], { limit: 1 }), is190);
  await assert.rejects(new AdAccount(SHOP, {}, undefined, bad).getInsights(['spend'], {}), is190);
  // An unknown path still answers 190 first: auth is checked before routing.
  await assert.rejects(bad.call('GET', [SHOP, 'no_such_edge', 'deeper']), is190);
  // The batch endpoint itself.
  const batch = new FacebookAdsApiBatch(bad);
  batch.addRequest(new APIRequest(SHOP, 'GET', '/').addFields(['name']));
  await assert.rejects(batch.execute(), is190);
  // And the good token still works (nothing was cached for the bad one).
  assert.equal((await new AdAccount(SHOP).read([AdAccount.Fields.name])).name, 'Demo Shop US');
});

test('insights rows come back as AdsInsights objects', async () => {
  const cursor = await new AdAccount(SHOP).getInsights(['spend', 'impressions'], { date_preset: 'last_7d' });
  assert.equal(cursor.length, 1);
  assert.ok(cursor[0] instanceof AdsInsights);
  const [want] = await rawAll(fake, `${SHOP}/insights`, { date_preset: 'last_7d', fields: 'spend,impressions' });
  assert.equal(cursor[0].spend, want.spend);
  assert.equal(cursor[0].impressions, want.impressions);
  assert.ok(Number(want.spend) > 0);
});

test('paging backwards with previous()', async () => {
  // Objects: forward two pages, back one.
  const camps = await new AdAccount(SHOP).getCampaigns(['name'], { limit: 2 });
  const first = camps.map((o) => o.exportAllData());
  assert.equal(camps.hasPrevious(), false, 'the first page has no previous link');
  await camps.next();
  const second = camps.map((o) => o.exportAllData());
  assert.ok(camps.hasPrevious());
  await camps.previous();
  assert.deepEqual(camps.map((o) => o.exportAllData()), first);
  const all = await rawAll(fake, `${SHOP}/campaigns`, { fields: 'name' });
  assert.deepEqual([...first, ...second], all.slice(0, 4));
  // Insights: three pages forward, back to the first, row for row.
  const params = { level: 'ad', time_increment: 1, date_preset: 'last_7d', limit: 10 };
  const ins = await new AdAccount(SHOP).getInsights(['ad_id', 'spend'], params);
  const page1 = ins.map((o) => o.exportAllData());
  await ins.next();
  await ins.next();
  await ins.previous();
  await ins.previous();
  assert.deepEqual(ins.map((o) => o.exportAllData()), page1);
  const want = await rawAll(fake, `${SHOP}/insights`, { ...params, fields: 'ad_id,spend', limit: 5000 });
  assert.deepEqual(page1, want.slice(0, 10));
});

test('field expansion: an ad with its creative, ad set and campaign', async () => {
  const fields = ['name', 'creative{id,name}', 'adset{name,daily_budget}', 'campaign{name,objective}'];
  const { rows } = await drain(await new AdAccount(SHOP).getAds(fields, { limit: 5 }));
  const ads = await rawAll(fake, `${SHOP}/ads`, { fields: 'name,creative,adset_id,campaign_id' });
  assert.equal(rows.length, ads.length);
  for (const [i, ad] of ads.entries()) {
    assert.equal(rows[i].name, ad.name);
    assert.deepEqual(rows[i].creative, await raw(fake, ad.creative.id, { fields: 'name' }));
    assert.deepEqual(rows[i].adset, await raw(fake, ad.adset_id, { fields: 'name,daily_budget' }));
    assert.deepEqual(rows[i].campaign, await raw(fake, ad.campaign_id, { fields: 'name,objective' }));
  }
});

test('summaries: insights totals and a list count', async () => {
  const cur = await new AdAccount(SHOP).getInsights(['spend', 'impressions'], { level: 'campaign', date_preset: 'last_7d', default_summary: true });
  const rows = cur.map((o) => o.exportAllData());
  assert.ok(rows.length > 1);
  const [account] = await rawAll(fake, `${SHOP}/insights`, { date_preset: 'last_7d', fields: 'spend,impressions' });
  assert.equal(cur.summary.spend, account.spend);
  assert.equal(cur.summary.impressions, account.impressions);
  assert.equal(sumSpend(rows), sumSpend([account]), 'campaign rows add up to the summary');
  const camps = await new AdAccount(SHOP).getCampaigns(['name'], { limit: 1, summary: true });
  assert.equal(camps.summary.total_count, (await rawAll(fake, `${SHOP}/campaigns`)).length);
});

test('an async run with a weekly time_increment and breakdowns equals the sync rows', async () => {
  const params = { level: 'campaign', time_increment: 7, date_preset: 'last_28d', breakdowns: ['age', 'gender'] };
  const run = await new AdAccount(SHOP).getInsightsAsync(['spend', 'impressions'], { ...params });
  for (let polls = 0; run.async_status !== 'Job Completed'; polls++) {
    assert.ok(polls < 50, 'the run completes');
    await run.get(['async_status']);
  }
  const { rows } = await drain(await run.getInsights([], { limit: 100 }));
  const want = await rawAll(fake, `${SHOP}/insights`, { ...params, breakdowns: 'age,gender', fields: 'spend,impressions' });
  assert.deepEqual(rows, want);
  assert.equal(new Set(rows.map((r) => r.date_start)).size, 4, 'four weeks');
  assert.ok(rows.every((r) => r.age && r.gender));
});

test('usage headers reach the SDK with setShowHeader', async () => {
  const withHeaders = new FacebookAdsApi(fake.token, 'en_US', false).setShowHeader(true);
  const cur = await new AdAccount(SHOP, {}, undefined, withHeaders).getInsights(['spend'], { date_preset: 'last_7d' });
  const buc = JSON.parse(cur.headers['x-business-use-case-usage']);
  assert.ok(Array.isArray(buc[SHOP.slice(4)]), 'keyed by the account number');
  assert.ok(buc[SHOP.slice(4)].some((u) => u.type === 'ads_insights'));
  const acct = JSON.parse(cur.headers['x-ad-account-usage']);
  assert.equal(typeof acct.acc_id_util_pct, 'number');
  assert.ok(JSON.parse(cur.headers['x-app-usage']).call_count >= 0);
});

test('a refused write carries the error subcode and user message', async () => {
  const camps = await rawAll(fake, `${TOKYO}/campaigns`, { fields: 'status' });
  const c = camps[camps.length - 1];
  assert.deepEqual(await new Campaign(c.id).update([], { status: 'DELETED' }), { success: true });
  await assert.rejects(new Campaign(c.id).update([], { status: 'ACTIVE' }), (err) => {
    assert.equal(err.name, 'FacebookRequestError');
    assert.equal(err.status, 400);
    assert.equal(err.response.code, 100);
    assert.equal(err.response.error_subcode, 1487056);
    assert.equal(err.response.error_user_title, 'Object Is Deleted or Archived');
    assert.ok(err.response.error_user_msg);
    assert.ok(err.response.fbtrace_id);
    return true;
  });
  assert.equal((await raw(fake, c.id, { fields: 'status' })).status, 'DELETED');
  // An unknown field names itself, and an expansion the fake does not
  // serve is refused whole.
  await assert.rejects(new AdAccount(SHOP).read(['name', 'no_such_field']), (err) => /\(no_such_field\)/.test(err.response.message));
  await assert.rejects(new AdAccount(SHOP).getCampaigns(['name', 'adsets{name}'], {}), (err) => err.response.code === 100 && /adsets\{name\}/.test(err.response.message));
});
