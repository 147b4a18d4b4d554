// The resident's orders, newest first.
import { showError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { api } from '../../lib/request';
import { statusText } from '../../lib/status';
import type { OrderPage } from '../../lib/types';

Component({
  data: {
    orders: [] as { id: number; no: string; status: string; payable: string }[],
    loaded: false,
  },
  methods: {
    async onShow() {
      try {
        const page = await api<OrderPage>('GET', '/api/v1/orders');
        this.setData({
          loaded: true,
          orders: page.items.map((o) => ({
            id: o.id,
            no: o.order_no,
            status: statusText(o.status),
            payable: yuan(o.payable_fen),
          })),
        });
      } catch (e) {
        showError(e);
      }
    },
    open(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/order/order?id=${e.currentTarget.dataset.id}` });
    },
  },
});
