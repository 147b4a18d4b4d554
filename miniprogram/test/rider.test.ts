// A rider registers and waits for review, goes on duty (the phone's
// position reaches the server), grabs a job from the pool and is told
// plainly when another rider was quicker, picks up at the store (not from
// afar), delivers with the resident's code, gives a job back, answers
// dispatch's offers, and reads the earnings, while the kitchen, the
// operator and residents act through the API.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { call, config, demoToken, moveTo, open, resetSession, seen, shot, stubs } from './harness';
import { TOWN, acceptedOrder, cityResident, idNumber, kitchenOpenAllDay, operatorToken } from './parties';

const HYBRID = {
  mode: 'hybrid',
  hybrid_wait_secs: 60,
  rider_max_jobs: 3,
  offer_timeout_secs: 45,
  unassigned_alert_secs: 300,
  pickup_geofence_m: 200,
};

test('a rider registers, takes jobs, delivers and sees the earnings', async () => {
  const run = Date.now().toString(36);
  resetSession(`demo:mp-rider-${run}`);
  // The page is refreshed by pulling it down, so every step below sees
  // exactly the state it acted on.
  config.pollMs = 600_000;
  const operator = await operatorToken();
  const kitchen = await demoToken('huaqiao');
  await kitchenOpenAllDay(kitchen);
  await call('PUT', '/api/v1/admin/dispatch/settings', operator, HYBRID);

  // Not a rider yet: the registration form, checked before it is sent.
  let page = await open('/pages/rider/rider');
  assert.equal(page.data.state, 'none');
  await page.tap('.submit-registration');
  assert.match(page.text('.error'), /身份证号/);
  await page.type('.real-name', '赵小勇');
  await page.type('.phone', '13700000011');
  await page.type('.id-number', idNumber(Date.now() % 100_000));
  await page.type('.health-cert', 'JK2026-0451');
  await page.tap('.submit-registration');
  assert.match(page.text('.error'), /健康证/, 'no expiry picked yet');
  await page.pick('.expiry-picker', '2030-06-30');
  await page.tap('.submit-registration');
  assert.equal(page.data.state, 'pending', page.text('.error'));
  assert.equal(page.text('.pending'), '资料已提交，平台审核中，请耐心等待');

  // The operator verifies the rider in the console.
  const pending: { id: number; real_name: string }[] = await call('GET', '/api/v1/admin/riders', operator);
  const me = pending.find((r) => r.real_name === '赵小勇');
  assert.ok(me, 'the registration reached the operator');
  await call('POST', `/api/v1/admin/riders/${me.id}/review`, operator, { approve: true });
  await page.pullDown();
  assert.equal(page.data.state, 'verified');
  assert.equal(page.text('.duty-state'), '已下线');

  // On duty at the kitchen's door: the position is reported.
  stubs.location = { ...stubs.location, latitude: TOWN.lat, longitude: TOWN.lng };
  await page.tap('.duty');
  assert.equal(page.text('.duty-state'), '接单中');
  moveTo(TOWN.lat, TOWN.lng);
  await new Promise((r) => setTimeout(r, 300));

  // A job in the pool: grabbed.
  const resident = await cityResident(`mp-rider-res-${run}`);
  const first = await acceptedOrder(resident, kitchen);
  await page.pullDown();
  assert.ok(page.texts('.pool-job').length >= 1, 'the job is in the pool');
  // The position the phone reported is where the pool measures from.
  assert.match(page.text('.pool-job'), /^距店 \d+m/);
  const newest = Math.max(...page.data.pool.map((j: { id: number }) => j.id));
  const index = page.data.pool.findIndex((j: { id: number }) => j.id === newest);
  await page.tap('.grab', index);
  assert.ok(seen.toasts.includes('抢单成功'), seen.toasts.join());
  assert.equal(page.data.jobs.length, 1);
  assert.equal(page.text('.job-status'), '待取货');
  const jobId = page.data.jobs[0].id;

  // Another rider is quicker for the next one: said plainly.
  await acceptedOrder(resident, kitchen);
  await page.pullDown();
  const other = page.data.pool.find((j: { id: number }) => j.id !== jobId && j.id > newest);
  assert.ok(other, 'the second job is in the pool');
  const wang = await demoToken('rider-wang');
  await call('POST', '/api/v1/rider/duty', wang, { on: true });
  await call('POST', `/api/v1/rider/jobs/${other.id}/grab`, wang, {});
  await page.tap('.grab', page.data.pool.findIndex((j: { id: number }) => j.id === other.id));
  assert.ok(seen.toasts.includes('手慢了，这单已被其他骑手抢走'), seen.toasts.join());
  await call('POST', `/api/v1/rider/jobs/${other.id}/give-up`, wang, {});
  await call('POST', '/api/v1/rider/duty', wang, { on: false });

  // Pickup: not from afar, and not before the kitchen is ready.
  await call('POST', `/api/v1/merchant/orders/${first}/ready`, kitchen, {});
  moveTo(33.36, 105.66);
  await page.tap('.pickup');
  assert.ok(seen.toasts.includes('请到店后再确认取货'), seen.toasts.join());
  moveTo(TOWN.lat, TOWN.lng);
  await page.tap('.pickup');
  assert.ok(seen.toasts.includes('已取货'), seen.toasts.join());
  assert.equal(page.text('.job-status'), '配送中');
  shot(page, '6-rider');

  // Delivery: a wrong code, then the resident's.
  const code: string = (await call('GET', `/api/v1/orders/${first}`, resident.token)).delivery_code;
  await page.type('.code-input', code === '0000' ? '1111' : '0000');
  await page.tap('.deliver');
  assert.ok(seen.toasts.includes('码不对，还可以再试 2 次'), seen.toasts.join());
  await page.type('.code-input', code);
  await page.tap('.deliver');
  assert.ok(seen.toasts.includes('已送达'), seen.toasts.join());
  assert.equal(page.text('.no-jobs'), '暂无配送中的订单');
  assert.equal((await call('GET', `/api/v1/orders/${first}`, resident.token)).status, 'delivered');

  // A job given back goes back to the pool.
  await page.pullDown();
  const back = page.data.pool.find((j: { id: number }) => j.id === other.id);
  assert.ok(back, 'the job wang gave up is in the pool again');
  await page.tap('.grab', page.data.pool.indexOf(back));
  assert.equal(page.data.jobs.length, 1);
  await page.tap('.give-up');
  assert.ok(seen.toasts.includes('已放弃'), seen.toasts.join());
  assert.equal(page.data.jobs.length, 0);

  // Dispatch by offers: one accepted, one declined.
  try {
    await call('PUT', '/api/v1/admin/dispatch/settings', operator, { ...HYBRID, mode: 'auto', offer_timeout_secs: 120 });
    const third = await acceptedOrder(resident, kitchen);
    await pollUntil(page, 'an offer', () => page.data.offers.length > 0);
    await page.tap('.accept');
    assert.ok(seen.toasts.includes('已接单'), seen.toasts.join());
    assert.ok(
      page.data.jobs.some((j: { text: string }) => j.text.includes(`#${third}`)),
      JSON.stringify(page.data.jobs),
    );
    await acceptedOrder(resident, kitchen);
    await pollUntil(page, 'a second offer', () => page.data.offers.length > 0);
    await page.tap('.decline');
    assert.ok(seen.toasts.includes('已拒绝'), seen.toasts.join());
  } finally {
    await call('PUT', '/api/v1/admin/dispatch/settings', operator, HYBRID);
  }

  // Earnings: today's delivery; nothing settled to withdraw yet.
  await page.tap('.earnings');
  assert.equal(seen.navigations.at(-1), '/pages/earnings/earnings');
  const earnings = await open('/pages/earnings/earnings');
  assert.notEqual(earnings.text('.total'), '¥0.00');
  assert.equal(earnings.texts('.day').length, 1);
  assert.equal(earnings.text('.no-payouts'), '还没有提现');
  await earnings.type('.amount-input', '5');
  await earnings.tap('.withdraw');
  assert.equal(earnings.text('.error'), '可提现金额不足');
  earnings.close();

  // Off duty: the position stops.
  await page.tap('.duty');
  assert.equal(page.text('.duty-state'), '已下线');
  page.close();
  config.pollMs = 200;
});

/** Pulls the page down until a condition holds (dispatch runs every few seconds). */
async function pollUntil(page: Awaited<ReturnType<typeof open>>, what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 500));
    await page.pullDown();
  }
}
