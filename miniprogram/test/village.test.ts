// A village order end to end on the real clock: a resident picks the
// village's agent point as the address, orders buns for the next van
// (the operator has added a departure due in a minute or two), pays, and
// the order page follows the van; the worker plans the trip at the
// cut-off, the kitchen hands the package over and the driver carries it;
// the keeper's page takes it by scanning its label and hands it out by the
// resident's pickup code, and the resident's page shows it collected.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { call, demoToken, open, resetSession, seen, shot, stubs, until } from './harness';
import { UTC_OFFSET_MINUTES, kitchenOpenAllDay, operatorToken } from './parties';

/** Local `HH:MM` of an instant in the county. */
function localHm(ms: number): string {
  const d = new Date(ms + UTC_OFFSET_MINUTES * 60_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

test('a village order goes by van to the agent point and is collected by its code', { timeout: 300_000 }, async () => {
  const run = Date.now().toString(36);
  const resident = `demo:mp-village-${run}`;
  const operator = await operatorToken();
  const kitchen = await demoToken('huaqiao');
  await kitchenOpenAllDay(kitchen);

  // The operator's console: the county post's van, its driver, the keeper.
  const villages = await call('GET', '/api/v1/villages', operator);
  const village = villages.find((v: { name: string }) => v.name === '花桥村');
  const point = village.agent_points[0];
  const carrier = await call('POST', '/api/v1/admin/carriers', operator, { name: '康县邮政速递', contact_phone: '09395100000' });
  await call('POST', '/api/v1/admin/vehicles', operator, {
    carrier_id: carrier.id,
    plate: '甘K·A1234',
    capacity_g: 800_000,
    capacity_ml: 4_000_000,
  });
  const zhouId = (await call('GET', '/api/v1/me', await demoToken('driver-zhou'))).id;
  await call('POST', '/api/v1/admin/drivers', operator, { carrier_id: carrier.id, user_id: zhouId, name: '周师傅', phone: '13900000003' });
  // Signed in again, the driver's session carries the new role.
  const zhou = await demoToken('driver-zhou');
  const keeperCode = `demo:mp-keeper-${run}`;
  const keeperId = (await call('GET', '/api/v1/me', await demoToken(keeperCode.slice(5)))).id;
  await call('POST', `/api/v1/admin/agent-points/${point.id}/keepers`, operator, { user_id: keeperId });
  // A departure of the village's route in a minute or two, closing as it leaves.
  const routes = await call('GET', '/api/v1/admin/routes', operator);
  const route = routes.find((r: { stops: number[] }) => r.stops.includes(point.id));
  const departAt = localHm(Math.ceil((Date.now() + 75_000) / 60_000) * 60_000);
  const departure = await call('POST', `/api/v1/admin/routes/${route.id}/departures`, operator, {
    weekdays: [1, 2, 3, 4, 5, 6, 7],
    depart_at: departAt,
    cutoff_minutes: 0,
  });

  try {
    // The resident's address is the agent point, picked from the list.
    resetSession(resident);
    const address = await open('/pages/address/address');
    await address.tap('.village');
    await address.type('.contact-name', '杨秀梅');
    await address.type('.contact-phone', '13800000021');
    const i = address.data.points.findIndex((p: { id: number }) => p.id === point.id);
    await address.pick('.point-picker', i);
    assert.match(address.text('.point'), /花桥村便民服务点/);
    await address.tap('.save');
    assert.equal(address.text('.saved'), '已保存：到 花桥村 · 花桥村便民服务点 自提');
    address.close();

    const home = await open('/pages/index/index');
    assert.match(home.text('.address'), /代收点自提/);
    const huaqiao = home.texts('.store .name').findIndex((n) => n.startsWith('花桥包子'));
    await home.tap('.store', huaqiao);
    const storeUrl = seen.navigations.at(-1) ?? '';
    home.close();
    const store = await open(storeUrl);
    await store.tap('.plus');
    await store.tap('.plus');
    await store.tap('.plus');
    await store.tap('.checkout');
    const checkoutUrl = seen.navigations.at(-1) ?? '';
    store.close();

    // The quote names the van.
    const checkout = await open(checkoutUrl);
    assert.match(checkout.text('.plan'), new RegExp(`随 \\d+月\\d+日 ${departAt} 的班车到村`), checkout.text('.error'));
    await checkout.tap('.submit');
    const orderUrl = seen.navigations.at(-1) ?? '';
    checkout.close();
    const id = Number(orderUrl.split('=')[1]);
    const order = await open(orderUrl);
    assert.equal(order.data.status, 'paid');
    assert.match(order.text('.point'), /取件地点：花桥村 花桥村便民服务点（08:00-20:00 营业）/);
    await call('POST', `/api/v1/merchant/orders/${id}/accept`, kitchen, {});
    await call('POST', `/api/v1/merchant/orders/${id}/ready`, kitchen, {});

    // The worker plans the van at the cut-off.
    let trip: any;
    const end = Date.now() + 200_000;
    while (!trip) {
      assert.ok(Date.now() < end, 'the departure was planned');
      await new Promise((r) => setTimeout(r, 1000));
      const trips = await call('GET', '/api/v1/driver/trips', zhou);
      trip = trips.find((t: any) => t.packages.some((p: any) => p.order_id === id));
    }
    const tid = trip.trip.id;
    const pickup = trip.stops.find((s: any) => s.kind === 'pickup');
    const drop = trip.stops.find((s: any) => s.kind === 'drop' && s.place_id === point.id);
    await call('POST', `/api/v1/driver/trips/${tid}/stops/${pickup.seq}/arrive`, zhou, { lat: pickup.lat, lng: pickup.lng });
    const labels = await call('GET', `/api/v1/merchant/trips/${tid}/labels`, kitchen);
    const label = labels.find((l: { order_id: number }) => l.order_id === id).handover_code;
    await call('POST', `/api/v1/merchant/trips/${tid}/stops/${pickup.seq}/handover`, kitchen, {});
    await call('POST', `/api/v1/driver/trips/${tid}/depart`, zhou, {});
    await until('on the van', () => order.data.status === 'on_trip');
    assert.equal(order.text('.status'), '已随班车出发');
    order.close();
    await call('POST', `/api/v1/driver/trips/${tid}/stops/${drop.seq}/arrive`, zhou, { lat: drop.lat, lng: drop.lng });

    // The keeper's page: the van is here; its label scanned, the package taken.
    resetSession(keeperCode);
    const keeperHome = await open('/pages/index/index');
    await keeperHome.tap('.keeper-entry');
    assert.equal(seen.navigations.at(-1), '/pages/keeper/keeper');
    keeperHome.close();
    let keeper = await open('/pages/keeper/keeper');
    assert.match(keeper.text('.stop-text'), /班车已到（\d\d:\d\d），1 件待接收/);
    await keeper.tap('.take');
    assert.ok(seen.toasts.includes('请先扫描包裹面单'), seen.toasts.join());
    stubs.scans.push(label);
    await keeper.tap('.scan');
    assert.equal(keeper.text('.scanned'), '已扫 1 件');
    await keeper.tap('.take');
    assert.ok(seen.toasts.includes('已接收 1 件'), seen.toasts.join());
    assert.equal(keeper.texts('.package').length, 1);
    assert.match(keeper.text('.package'), /^杨\*+ · /, 'the resident is named by the first character only');
    shot(keeper, '7-keeper');
    keeper.close();

    // The resident sees the pickup code.
    resetSession(resident);
    const arrived = await open(orderUrl);
    assert.equal(arrived.text('.status'), '已到代收点，请凭取件码领取');
    const code = arrived.text('.code-value');
    assert.match(code, /^\d{6}$/);
    assert.match(arrived.text('.code'), /^取件码/);
    shot(arrived, '5-order-village');
    arrived.close();

    // The keeper hands it out: a wrong code is counted, the right one works.
    resetSession(keeperCode);
    keeper = await open('/pages/keeper/keeper');
    await keeper.type('.code-input', code === '000000' ? '111111' : '000000');
    await keeper.tap('.collect');
    assert.ok(seen.toasts.includes('码不对，还可以再试 2 次'), seen.toasts.join());
    await keeper.type('.code-input', code);
    await keeper.tap('.collect');
    assert.ok(seen.toasts.includes('核验通过，已取件'), seen.toasts.join());
    assert.equal(keeper.text('.no-waiting'), '没有待取的包裹');
    assert.equal(keeper.texts('.collected').length, 1);
    keeper.close();

    resetSession(resident);
    const done = await open(orderUrl);
    assert.equal(done.text('.status'), '已送达');
    done.close();
  } finally {
    await call('DELETE', `/api/v1/admin/routes/${route.id}/departures/${departure.id}`, operator);
  }
});
