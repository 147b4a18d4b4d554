/** A cart per store, kept on the phone: SKU id → quantity. */
export type Cart = Record<string, number>;

const key = (storeId: number) => `cart:${storeId}`;

/** The store's cart. */
export function cartOf(storeId: number): Cart {
  return (wx.getStorageSync(key(storeId)) as Cart | '') || {};
}

/** Adds `delta` of a SKU (never below 0, at most 99). */
export function change(storeId: number, skuId: number, delta: number): Cart {
  const c = cartOf(storeId);
  const q = Math.min(99, Math.max(0, (c[skuId] ?? 0) + delta));
  if (q === 0) {
    delete c[skuId];
  } else {
    c[skuId] = q;
  }
  wx.setStorageSync(key(storeId), c);
  return c;
}

/** Empties the store's cart (after an order). */
export function clear(storeId: number): void {
  wx.removeStorageSync(key(storeId));
}

/** The cart as order lines. */
export function lines(c: Cart): { sku_id: number; qty: number }[] {
  return Object.entries(c).map(([sku, qty]) => ({ sku_id: Number(sku), qty }));
}
