// One order: its status and timeline, asked for again every few seconds
// while it moves (polling works on every base library and through the
// request-domain rules; see the README), the delivery or pickup code, the
// cold-chain record, and cancellation while it is still cancellable.
import { config } from '../../config';
import { ApiError, showError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { api } from '../../lib/request';
import { isFinal, statusText } from '../../lib/status';
import type { OrderView } from '../../lib/types';
import { pay } from '../checkout/checkout';

const ACTORS: Record<string, string> = {
  resident: '我',
  merchant: '商家',
  rider: '骑手',
  keeper: '代收点',
  operator: '平台',
  system: '系统',
  payment: '支付',
};

const COLD: Record<string, string> = {
  in_transit: '运输中',
  compliant: '全程温控达标',
  breached: '温控未达标，已补偿',
  no_data: '温度数据不足',
};

let timer: ReturnType<typeof setTimeout> | undefined;

Component({
  data: {
    id: 0,
    no: '',
    status: '',
    statusText: '',
    payable: '',
    village: false,
    code: '',
    timeline: [] as { at: string; text: string }[],
    cold: [] as { text: string }[],
    canPay: false,
    canCancel: false,
    error: '',
  },
  methods: {
    onLoad(q: Record<string, string>) {
      this.setData({ id: Number(q.id) });
      return this.refresh();
    },
    onUnload() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
    },
    async refresh() {
      try {
        const o = await api<OrderView>('GET', `/api/v1/orders/${this.data.id}`);
        this.show(o);
        if (!isFinal(o.status)) {
          timer = setTimeout(() => this.refresh(), config.pollMs);
        }
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '加载失败' });
        timer = setTimeout(() => this.refresh(), config.pollMs * 2);
      }
    },
    show(o: OrderView) {
      const village = o.delivery_kind === 'village';
      this.setData({
        error: '',
        no: o.order_no,
        status: o.status,
        statusText: statusText(o.status),
        payable: yuan(o.payable_fen),
        village,
        code: (village ? o.pickup_code : o.delivery_code) ?? '',
        timeline: o.timeline.map((t) => ({
          at: t.created_at.slice(11, 16),
          text: `${ACTORS[t.actor_kind] ?? ''} ${statusText(t.to_status)}${t.reason ? `（${t.reason}）` : ''}`,
        })),
        cold: (o.cold_chain ?? []).map((c) => ({
          text: `${c.class === 'frozen' ? '冷冻' : '冷藏'}：${COLD[c.status] ?? c.status}${c.max_c != null ? `，最高 ${c.max_c}℃` : ''}`,
        })),
        canPay: o.status === 'pending_payment',
        canCancel: ['pending_payment', 'paid'].includes(o.status),
      });
    },
    async payNow() {
      try {
        await pay(this.data.id);
      } catch (e) {
        showError(e);
      }
      await this.refresh();
    },
    async cancel() {
      try {
        const o = await api<OrderView>('POST', `/api/v1/orders/${this.data.id}/cancel`, {});
        this.show(o);
        wx.showToast({ title: o.status === 'refunding' ? '已取消，退款中' : '已取消', icon: 'none' });
      } catch (e) {
        showError(e);
      }
    },
  },
});
