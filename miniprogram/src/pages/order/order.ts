// One order: its status and timeline, asked for again every few seconds
// while it moves (polling works on every base library and through the
// request-domain rules; see the README), the rider on a map while a city
// order is on its way, the delivery or pickup code, the agent point and the
// cold-chain record of a village order, its trace codes, and cancellation
// while it is still cancellable.
import { config } from '../../config';
import { coldText } from '../../lib/cold';
import { ApiError, showError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { pay } from '../../lib/pay';
import * as poll from '../../lib/poll';
import { api } from '../../lib/request';
import { clock } from '../../lib/time';
import { isFinal, statusText } from '../../lib/status';
import type { OrderView, Tracking, Village } from '../../lib/types';


const ACTORS: Record<string, string> = {
  resident: '我',
  merchant: '商家',
  rider: '骑手',
  keeper: '代收点',
  operator: '平台',
  system: '系统',
  payment: '支付',
};

/** The agent point's name and opening hours, from the village directory. */
async function agentPoint(id: number): Promise<string> {
  const villages = await api<Village[]>('GET', '/api/v1/villages');
  for (const v of villages) {
    const p = v.agent_points.find((a) => a.id === id);
    if (p) {
      return `${v.name} ${p.name}（${p.opening_hours} 营业）`;
    }
  }
  return '';
}

Component({
  data: {
    id: 0,
    no: '',
    status: '',
    statusText: '',
    payable: '',
    village: false,
    code: '',
    codeLabel: '',
    timeline: [] as { at: string; text: string }[],
    cold: [] as { text: string }[],
    point: '',
    pointId: 0,
    rider: null as null | { text: string; latitude: number; longitude: number; markers: unknown[] },
    traces: [] as string[],
    canPay: false,
    canCancel: false,
    error: '',
  },
  methods: {
    onLoad(q: Record<string, string>) {
      poll.begin(this);
      this.setData({ id: Number(q.id) });
      return this.refresh();
    },
    onUnload() {
      poll.end(this);
    },
    async refresh() {
      try {
        const o = await api<OrderView>('GET', `/api/v1/orders/${this.data.id}`);
        this.show(o);
        await this.follow(o);
        if (!isFinal(o.status)) {
          poll.again(this, config.pollMs, () => this.refresh());
        }
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '加载失败' });
        poll.again(this, config.pollMs * 2, () => this.refresh());
      }
    },
    /** The rider on the map while out for delivery; the agent point once. */
    async follow(o: OrderView) {
      if (o.plan?.kind === 'village' && o.plan.agent_point_id !== this.data.pointId) {
        this.setData({ pointId: o.plan.agent_point_id, point: await agentPoint(o.plan.agent_point_id) });
      }
      if (o.status !== 'picked_up') {
        if (this.data.rider) {
          this.setData({ rider: null });
        }
        return;
      }
      try {
        const t = await api<Tracking>('GET', `/api/v1/orders/${this.data.id}/tracking`);
        const km = t.remaining_m >= 1000 ? `${(t.remaining_m / 1000).toFixed(1)} 公里` : `${t.remaining_m} 米`;
        this.setData({
          rider: {
            text: `骑手距你约 ${km}，预计 ${clock(t.eta)} 到`,
            latitude: t.lat,
            longitude: t.lng,
            markers: [{ id: 1, latitude: t.lat, longitude: t.lng, width: 32, height: 32, callout: { content: '骑手', display: 'ALWAYS' } }],
          },
        });
      } catch {
        // No position yet: the timeline still tells the story.
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
        codeLabel: village ? '取件码' : '收货码',
        timeline: o.timeline.map((t) => ({
          at: clock(t.created_at),
          text: `${ACTORS[t.actor_kind] ?? ''} ${statusText(t.to_status)}${t.reason ? `（${t.reason}）` : ''}`,
        })),
        cold: (o.cold_chain ?? []).map((c) => ({ text: coldText(c) })),
        traces: [...new Set((o.traces ?? []).map((t) => t.trace_code))],
        canPay: o.status === 'pending_payment',
        canCancel: ['pending_payment', 'paid'].includes(o.status),
      });
    },
    openTrace(e: WechatMiniprogram.BaseEvent) {
      wx.navigateTo({ url: `/pages/trace/trace?code=${e.currentTarget.dataset.code}` });
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
