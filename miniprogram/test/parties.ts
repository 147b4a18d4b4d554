/**
 * The other parties of a flow, acting through the API as their own clients
 * would (the kitchen's console, the operator's console, the driver's phone,
 * another resident): what the page under test reacts to.
 */
import { call, demoToken } from './harness';

/** The demo county keeps China time. */
export const UTC_OFFSET_MINUTES = 480;

/** A position in town, by the demo kitchen. */
export const TOWN = { lat: 33.3297, lng: 105.6079 };

/** The demo county's operator (its password is printed by the server at its first start). */
export async function operatorToken(): Promise<string> {
  const username = process.env.TONGCHENG_OPERATOR ?? '';
  const password = process.env.TONGCHENG_OPERATOR_PASSWORD ?? '';
  if (!username || !password) {
    throw new Error('TONGCHENG_OPERATOR(_PASSWORD) not set: run the tests through `cargo test`');
  }
  const r = await call('POST', '/api/v1/auth/password-login', undefined, { username, password });
  return r.access_token;
}

/** The demo kitchen keeps the whole day open, so a test runs at any hour. */
export async function kitchenOpenAllDay(kitchen: string): Promise<void> {
  const store = await call('GET', '/api/v1/merchant/store', kitchen);
  const hours = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '00:00', close: '23:59' }));
  await call('PATCH', '/api/v1/merchant/store', kitchen, { version: store.version, hours });
}

/** A resident with a city address at a point in town, signed in through the API. */
export async function cityResident(name: string, at = { lat: 33.3318, lng: 105.6142 }): Promise<{ token: string; address: number }> {
  const token = await demoToken(name);
  const a = await call('POST', '/api/v1/addresses', token, {
    contact_name: '王五',
    contact_phone: '13800000009',
    detail: '东关社区 5 号楼',
    location: at,
  });
  return { token, address: a.id };
}

/** The demo bun kitchen's store and its first SKU on sale, as seen from an address. */
export async function bunSku(token: string, address: number): Promise<{ store: number; sku: number }> {
  const stores = await call('GET', `/api/v1/stores?address_id=${address}`, token);
  const store = stores.items.find((s: { name: string }) => s.name.startsWith('花桥包子'));
  const menu = await call('GET', `/api/v1/stores/${store.id}/menu`, token);
  for (const c of menu.categories) {
    for (const p of c.products) {
      const k = p.skus.find((s: { sold_out: boolean }) => !s.sold_out);
      if (k) {
        return { store: store.id, sku: k.id };
      }
    }
  }
  throw new Error('the demo kitchen sells nothing');
}

/** A paid city order of two buns (demo payment), accepted by the kitchen. */
export async function acceptedOrder(resident: { token: string; address: number }, kitchen: string): Promise<number> {
  const { store, sku } = await bunSku(resident.token, resident.address);
  const r = await fetch(`${process.env.TONGCHENG_API}/api/v1/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${resident.token}`,
      'idempotency-key': `t-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    },
    body: JSON.stringify({ store_id: store, address_id: resident.address, items: [{ sku_id: sku, qty: 2 }] }),
  });
  const order = (await r.json()) as { id: number };
  if (!r.ok) {
    throw new Error(`order: ${JSON.stringify(order)}`);
  }
  const pay = await call('POST', `/api/v1/orders/${order.id}/pay`, resident.token);
  await call('POST', pay.confirm_path, resident.token);
  await call('POST', `/api/v1/merchant/orders/${order.id}/accept`, kitchen, {});
  return order.id;
}

/** A valid 18-character resident ID number (GB 11643 check character). */
export function idNumber(serial: number): string {
  const body = `620521199001${String(10 + (serial % 18)).padStart(2, '0')}${String(serial % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * weights[i], 0);
  return body + '10X98765432'[sum % 11];
}
