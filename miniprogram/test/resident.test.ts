// A resident signs in, adds a city address on the map, orders buns from the
// stores that deliver there, pays (demo), and watches the order reach
// "delivered" while the kitchen and a rider act through the API; bad states
// read as plain Chinese.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { API, call, config, demoToken, open, resetSession, seen, shot, stubs, until } from './harness';
import { kitchenOpenAllDay } from './parties';

test('a resident orders buns to the door and watches them arrive', async () => {
  resetSession(`demo:mp-${Date.now().toString(36)}`);
  const kitchen = await demoToken('huaqiao');
  await kitchenOpenAllDay(kitchen);

  // No address yet: the home page says so and offers to add one.
  let home = await open('/pages/index/index');
  assert.equal(home.text('.empty-address'), '还没有收货地址');
  await home.tap('.add-address');
  assert.equal(seen.navigations.at(-1), '/pages/address/address');
  home.close();

  // A point in town picked on the map.
  const address = await open('/pages/address/address');
  await address.tap('.save');
  assert.match(address.text('.error'), /联系人/);
  await address.type('.contact-name', '张三');
  await address.type('.contact-phone', '13800000001');
  await address.tap('.save');
  assert.equal(address.text('.error'), '请在地图上选择位置');
  await address.tap('.choose-location');
  assert.equal(address.text('.location'), '东关社区');
  await address.tap('.save');
  assert.equal(address.text('.saved'), '已保存：东关社区，送货上门');
  address.close();

  // The stores that deliver there.
  home = await open('/pages/index/index');
  assert.match(home.text('.address'), /送货上门/);
  const names = home.texts('.store .name');
  const huaqiao = names.findIndex((n) => n.startsWith('花桥包子'));
  assert.ok(huaqiao >= 0, names.join());
  shot(home, '1-home');
  await home.tap('.store', huaqiao);
  const storeUrl = seen.navigations.at(-1) ?? '';
  assert.match(storeUrl, /^\/pages\/store\/store\?id=\d+&address=\d+$/, 'open');
  home.close();

  // Two of the first bun into the cart.
  const store = await open(storeUrl);
  await store.tap('.plus');
  await store.tap('.plus');
  assert.equal(store.text('.qty'), '2');
  assert.match(store.text('.cart'), /共 2 件/);
  shot(store, '2-store');
  await store.tap('.checkout');
  const checkoutUrl = seen.navigations.at(-1) ?? '';
  store.close();

  // The server's quote: lines, fees, the city ETA; then order and pay,
  // asking for the order's subscription messages as it is placed.
  config.templates = ['tmpl-order-accepted', 'tmpl-order-delivered'];
  const checkout = await open(checkoutUrl);
  assert.match(checkout.text('.plan'), /送货上门，预计/);
  assert.match(checkout.text('.payable'), /^¥\d+\.\d{2}$/);
  shot(checkout, '3-checkout');
  await checkout.tap('.submit');
  assert.deepEqual(seen.subscriptions.at(-1), config.templates);
  config.templates = [];
  const orderUrl = seen.navigations.at(-1) ?? '';
  assert.match(orderUrl, /^\/pages\/order\/order\?id=\d+$/);
  checkout.close();
  const id = Number(orderUrl.split('=')[1]);

  // The order page follows it live.
  const order = await open(orderUrl);
  assert.equal(order.data.status, 'paid');
  assert.equal(order.text('.status'), '已支付，等待商家接单');
  await call('POST', `/api/v1/merchant/orders/${id}/accept`, kitchen, {});
  await until('accepted', () => order.data.status === 'accepted');
  const wang = await demoToken('rider-wang');
  await call('POST', '/api/v1/rider/duty', wang, { on: true });
  await call('POST', '/api/v1/rider/location', wang, {
    points: [{ lat: 33.3297, lng: 105.6079, at: new Date().toISOString() }],
  });
  // The pool does not name orders: ours is the newest job.
  const jobs: { id: number }[] = await call('GET', '/api/v1/rider/jobs/available', wang);
  const job = jobs.sort((a, b) => b.id - a.id)[0];
  assert.ok(job, 'the job is offered to riders');
  await call('POST', `/api/v1/rider/jobs/${job.id}/grab`, wang, {});
  await call('POST', `/api/v1/merchant/orders/${id}/ready`, kitchen, {});
  await call('POST', `/api/v1/rider/jobs/${job.id}/pickup`, wang, { lat: 33.3297, lng: 105.6079 });
  await until('picked up', () => order.data.status === 'picked_up');
  assert.equal(order.text('.status'), '骑手配送中');
  const code = order.text('.code-value');
  assert.match(code, /^\d{4}$/, 'the delivery code shows');
  await until('the rider on the map', () => order.data.rider !== null);
  assert.match(order.text('.rider-text'), /^骑手距你约 /);
  shot(order, '4-order-city');
  await call('POST', `/api/v1/rider/jobs/${job.id}/deliver`, wang, { code });
  await until('delivered', () => order.data.status === 'delivered');
  const events = order.texts('.event');
  assert.ok(events.some((e) => e.includes('骑手') && e.includes('已送达')), events.join(' | '));
  order.close();

  // The buns' production batch: its trace opens from the order.
  assert.ok(order.texts('.trace').length >= 1, 'the order lists its trace codes');
  await order.tap('.trace');
  const traceUrl = seen.navigations.at(-1) ?? '';
  assert.match(traceUrl, /^\/pages\/trace\/trace\?code=[A-Z0-9]+$/);
  order.close();
  const trace = await open(traceUrl);
  assert.equal(trace.text('.product'), '黑猪肉包子');
  assert.match(trace.text('.produced'), /^生产日期：\d{4}-\d{2}-\d{2}/);
  assert.ok(trace.texts('.source').length >= 1, 'where the ingredients came from');
  assert.match(trace.text('.your-delivery'), /你的订单/);
  shot(trace, '8-trace');
  trace.close();

  // My orders lists it.
  const orders = await open('/pages/orders/orders');
  assert.ok(orders.texts('.order .status').includes('已送达'));
  orders.close();

  // Scanning a label's QR code (its trace URL) from home opens the trace;
  // anything else is said to be no trace code.
  const again = await open('/pages/index/index');
  stubs.scans.push(`${API}/api/v1/trace/${traceUrl.split('=')[1]}`);
  await again.tap('.scan-trace');
  assert.equal(seen.navigations.at(-1), traceUrl);
  stubs.scans.push('hello world');
  await again.tap('.scan-trace');
  assert.equal(seen.toasts.at(-1), '这不是同城的溯源码');
  again.close();
  const unknown = await open('/pages/trace/trace?code=ZZZZZZZZZZZZ');
  assert.equal(unknown.text('.error'), '没有找到这个溯源码');
  unknown.close();
});

/** Local hour in the county now. */
function localHour(): number {
  return new Date(Date.now() + 480 * 60_000).getUTCHours();
}

test('a closed store, short stock and a failed payment read as plain Chinese', async () => {
  resetSession(`demo:mp-${Date.now().toString(36)}c`);
  stubs.location = { latitude: 33.336, longitude: 105.616, name: '东关社区', address: '康县东关社区 3 号楼' };
  const kitchen = await demoToken('huaqiao');
  const address = await open('/pages/address/address');
  await address.type('.contact-name', '刘六');
  await address.type('.contact-phone', '13800000003');
  await address.tap('.choose-location');
  await address.tap('.save');
  address.close();

  // Closed: the kitchen opens two hours from now for half an hour.
  const h = String((localHour() + 2) % 24).padStart(2, '0');
  const store = await call('GET', '/api/v1/merchant/store', kitchen);
  const hours = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: `${h}:00`, close: `${h}:30` }));
  await call('PATCH', '/api/v1/merchant/store', kitchen, { version: store.version, hours });
  try {
    const home = await open('/pages/index/index');
    const i = home.texts('.store .name').findIndex((n) => n.startsWith('花桥包子'));
    assert.match(home.texts('.store')[i], /休息中/);
    await home.tap('.store', i);
    home.close();
    const menu = await open(seen.navigations.at(-1) ?? '');
    assert.equal(menu.text('.closed'), '店铺休息中，可以先看看，营业时间再下单');
    await menu.tap('.plus');
    await menu.tap('.plus');
    await menu.tap('.checkout');
    menu.close();
    const checkout = await open(seen.navigations.at(-1) ?? '');
    assert.equal(checkout.text('.error'), '店铺已打烊，营业时间再来');
    checkout.close();
  } finally {
    await kitchenOpenAllDay(kitchen);
  }

  // Short stock: one left of the first bun when the resident wants two.
  // (Each change bumps the product's version: the kitchen reads it first.)
  const put = async (stock: number | null) => {
    const product = await call('GET', '/api/v1/merchant/products/1', kitchen);
    const sku = product.skus[0];
    await call('PUT', `/api/v1/merchant/products/1/skus/${sku.id}`, kitchen, {
      version: product.version,
      name: sku.name,
      price_fen: sku.price_fen,
      on_shelf: true,
      stock,
    });
  };
  await put(1);
  try {
    const home = await open('/pages/index/index');
    await home.tap('.store', home.texts('.store .name').findIndex((n) => n.startsWith('花桥包子')));
    const storeUrl = seen.navigations.at(-1) ?? '';
    home.close();
    let menu = await open(storeUrl);
    // The cart is kept per store: the two buns are still in it.
    assert.equal(menu.text('.qty'), '2');
    await menu.tap('.checkout');
    menu.close();
    const checkout = await open(seen.navigations.at(-1) ?? '');
    if (!checkout.text('.error')) {
      await checkout.tap('.submit');
    }
    assert.equal(checkout.text('.error'), '有商品库存不足，请减少数量');
    checkout.close();
    // None left: the menu says sold out and offers no "+".
    await put(0);
    menu = await open(storeUrl);
    assert.equal(menu.text('.sold-out'), '已售罄');
    menu.close();
  } finally {
    await put(null);
  }

  // A failed payment: the network drops as the order is paid; the order
  // waits, unpaid, and is paid from its page.
  const home = await open('/pages/index/index');
  await home.tap('.store', home.texts('.store .name').findIndex((n) => n.startsWith('花桥包子')));
  home.close();
  const menu = await open(seen.navigations.at(-1) ?? '');
  assert.equal(menu.text('.qty'), '2');
  await menu.tap('.checkout');
  menu.close();
  const checkout = await open(seen.navigations.at(-1) ?? '');
  const saved = globalThis.fetch;
  globalThis.fetch = (input: any, init?: any) =>
    /\/pay($|\/)/.test(String(input)) ? Promise.reject(new Error('offline')) : saved(input, init);
  try {
    await checkout.tap('.submit');
  } finally {
    globalThis.fetch = saved;
  }
  assert.equal(seen.toasts.at(-1), '网络不可用，请检查网络后重试');
  const orderUrl = seen.navigations.at(-1) ?? '';
  checkout.close();
  const order = await open(orderUrl);
  assert.equal(order.text('.status'), '待支付');
  await order.tap('.pay');
  await until('paid', () => order.data.status === 'paid');
  // Changed their mind before the kitchen took it: cancelled and refunded.
  await order.tap('.cancel');
  assert.equal(seen.toasts.at(-1), '已取消，退款中');
  await until('refunded', () => order.data.status === 'refunded');
  assert.equal(order.text('.status'), '已退款');
  assert.equal(order.texts('.cancel').length, 0, 'nothing left to cancel');
  order.close();
});

test('bad states read as plain Chinese', async () => {
  resetSession(`demo:mp-${Date.now().toString(36)}b`);
  // An address far outside every store's range.
  stubs.location = { latitude: 33.9, longitude: 106.3, name: '远处', address: '县外某地' };
  const address = await open('/pages/address/address');
  await address.type('.contact-name', '李四');
  await address.type('.contact-phone', '13800000002');
  await address.tap('.choose-location');
  await address.tap('.save');
  assert.equal(address.text('.error'), '这个地址不在本县服务范围内');
  address.close();

  // No network: the home page says so instead of a blank page.
  const saved = globalThis.fetch;
  globalThis.fetch = () => Promise.reject(new Error('offline'));
  try {
    const home = await open('/pages/index/index');
    assert.equal(home.text('.error'), '加载失败，请下拉重试');
    assert.ok(seen.toasts.includes('网络不可用，请检查网络后重试'), seen.toasts.join());
    home.close();
  } finally {
    globalThis.fetch = saved;
  }

  // An expired session is renewed quietly: the page loads.
  const home = await open('/pages/index/index');
  const t = (globalThis as any).wx.getStorageSync('tokens');
  (globalThis as any).wx.setStorageSync('tokens', { ...t, access_token: 'expired.token.value' });
  const again = await open('/pages/index/index');
  assert.equal(again.text('.error'), '');
  assert.equal(again.text('.empty-address'), '还没有收货地址');
  home.close();
  again.close();
});
