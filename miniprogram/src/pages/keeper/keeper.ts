// The agent point's keeper: the vans still to come today, taking their
// packages by scanning each label, the packages waiting for their residents
// with collection by the resident's pickup code, and what was collected.
import { ApiError, showError } from '../../lib/errors';
import { api } from '../../lib/request';
import { clock } from '../../lib/time';
import type { Handover, KeeperDay, Order } from '../../lib/types';

interface StopRow {
  key: string;
  tripId: number;
  seq: number;
  text: string;
  arrived: boolean;
  codes: string[];
}

function scan(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['barCode', 'qrCode'],
      success: (r) => resolve(r.result.trim()),
      fail: () => reject(new Error('cancelled')),
    });
  });
}

Component({
  data: {
    arriving: [] as StopRow[],
    waiting: [] as { orderId: number; no: string; resident: string; since: string; locked: boolean; code: string }[],
    collected: [] as { orderId: number; no: string; resident: string; since: string }[],
    error: '',
  },
  methods: {
    onPullDownRefresh() {
      return this.load().finally(() => wx.stopPullDownRefresh());
    },
    onShow() {
      return this.load();
    },
    async load() {
      let day: KeeperDay;
      try {
        day = await api<KeeperDay>('GET', '/api/v1/keeper/packages');
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '加载失败' });
        return;
      }
      const scanned = new Map(this.data.arriving.map((s) => [s.key, s.codes]));
      this.setData({
        error: '',
        arriving: day.arriving.map((s) => {
          const key = `${s.trip_id}-${s.seq}`;
          return {
            key,
            tripId: s.trip_id,
            seq: s.seq,
            text: s.arrived_at
              ? `班车已到（${clock(s.arrived_at)}），${s.packages} 件待接收`
              : `班车预计 ${clock(s.eta)} 到，${s.packages} 件`,
            arrived: !!s.arrived_at,
            codes: scanned.get(key) ?? [],
          };
        }),
        waiting: day.waiting.map((p) => ({
          orderId: p.order_id,
          no: p.order_no,
          resident: p.resident,
          since: clock(p.since),
          locked: p.locked,
          code: this.data.waiting.find((w) => w.orderId === p.order_id)?.code ?? '',
        })),
        collected: day.collected.map((p) => ({
          orderId: p.order_id,
          no: p.order_no,
          resident: p.resident,
          since: clock(p.since),
        })),
      });
    },
    async scanLabel(e: WechatMiniprogram.BaseEvent) {
      const key = e.currentTarget.dataset.key as string;
      let code: string;
      try {
        code = await scan();
      } catch {
        return;
      }
      this.setData({
        arriving: this.data.arriving.map((s) =>
          s.key === key && !s.codes.includes(code) ? { ...s, codes: [...s.codes, code] } : s,
        ),
      });
    },
    async handover(e: WechatMiniprogram.BaseEvent) {
      const key = e.currentTarget.dataset.key as string;
      const stop = this.data.arriving.find((s) => s.key === key);
      if (!stop || stop.codes.length === 0) {
        wx.showToast({ title: '请先扫描包裹面单', icon: 'none' });
        return;
      }
      try {
        const h = await api<Handover>('POST', `/api/v1/keeper/trips/${stop.tripId}/stops/${stop.seq}/handover`, {
          codes: stop.codes,
        });
        wx.showToast({ title: `已接收 ${h.packages} 件`, icon: 'none' });
        this.setData({ arriving: this.data.arriving.map((s) => (s.key === key ? { ...s, codes: [] } : s)) });
      } catch (err) {
        showError(err);
      }
      await this.load();
    },
    typeCode(e: WechatMiniprogram.Input) {
      const id = Number(e.currentTarget.dataset.id);
      this.setData({ waiting: this.data.waiting.map((w) => (w.orderId === id ? { ...w, code: e.detail.value } : w)) });
    },
    async collect(e: WechatMiniprogram.BaseEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const code = this.data.waiting.find((w) => w.orderId === id)?.code.trim() ?? '';
      if (!code) {
        wx.showToast({ title: '请输入顾客的取件码', icon: 'none' });
        return;
      }
      try {
        await api<Order>('POST', `/api/v1/keeper/orders/${id}/collect`, { code });
        wx.showToast({ title: '核验通过，已取件', icon: 'none' });
      } catch (err) {
        showError(err);
      }
      await this.load();
    },
  },
});
