// Checkout: the server's quote (lines, fees, and how it arrives: the city
// ETA, or the village departure and agent point), then the order under an
// idempotency key, the subscription messages, and the payment.
import { clear, cartOf, lines } from '../../lib/cart';
import { config } from '../../config';
import { ApiError, messageFor, showError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { pay } from '../../lib/pay';
import { api, newKey } from '../../lib/request';
import { when } from '../../lib/time';
import type { OrderView, Quote } from '../../lib/types';

function planText(q: Quote): string {
  const p = q.plan;
  if (p.kind === 'city') {
    return `送货上门，预计 ${when(p.eta)} 送达`;
  }
  return `随 ${when(p.departs_at)} 的班车到村，${when(p.cutoff_at)} 截单，到代收点凭取件码领取`;
}

/** Asks for the order's subscription messages; a refusal changes nothing. */
function subscribe(): Promise<void> {
  if (config.templates.length === 0) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: config.templates,
      complete: () => resolve(),
    } as WechatMiniprogram.RequestSubscribeMessageOption);
  });
}

Component({
  data: {
    storeId: 0,
    addressId: 0,
    key: '',
    lines: [] as { name: string; qty: number; total: string }[],
    fees: { items: '', packing: '', delivery: '', surcharge: '', payable: '' },
    plan: '',
    ready: false,
    busy: false,
    error: '',
  },
  methods: {
    async onLoad(q: Record<string, string>) {
      this.setData({ storeId: Number(q.store), addressId: Number(q.address), key: newKey('order') });
      await this.quote();
    },
    request() {
      return {
        store_id: this.data.storeId,
        address_id: this.data.addressId,
        items: lines(cartOf(this.data.storeId)),
      };
    },
    async quote() {
      try {
        const q = await api<Quote>('POST', '/api/v1/orders/quote', this.request());
        this.setData({
          ready: true,
          error: '',
          lines: q.lines.map((l) => ({
            name: `${l.product_name}（${l.sku_name}）`,
            qty: l.qty,
            total: yuan(l.line_total_fen),
          })),
          fees: {
            items: yuan(q.items_total_fen),
            packing: yuan(q.packing_fee_fen),
            delivery: yuan(q.delivery_fee_fen),
            surcharge: yuan(q.surcharge_fen),
            payable: yuan(q.payable_fen),
          },
          plan: planText(q),
        });
      } catch (e) {
        this.setData({ ready: false, error: e instanceof ApiError ? e.userMessage : messageFor('') });
      }
    },
    async submit() {
      if (!this.data.ready || this.data.busy) {
        return;
      }
      this.setData({ busy: true });
      await subscribe();
      let order: OrderView;
      try {
        // The same key on a retry returns the same order, never a second one.
        order = await api<OrderView>('POST', '/api/v1/orders', this.request(), { idempotencyKey: this.data.key });
      } catch (e) {
        this.setData({ busy: false, error: e instanceof ApiError ? e.userMessage : messageFor('') });
        return;
      }
      clear(this.data.storeId);
      try {
        await pay(order.id);
      } catch (e) {
        showError(e);
      }
      this.setData({ busy: false });
      wx.redirectTo({ url: `/pages/order/order?id=${order.id}` });
    },
  },
});
