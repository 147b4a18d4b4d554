// The rider's earnings by day and by job, the balance that may be
// withdrawn, the payouts and their review, and a withdrawal.
import { ApiError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { api, newKey } from '../../lib/request';
import { day } from '../../lib/time';
import type { Earnings, Payout, Payouts } from '../../lib/types';

const PAYOUT: Record<string, string> = {
  review: '审核中',
  approved: '已批准，待打款',
  sent: '打款中',
  paid: '已到账',
  failed: '打款失败，金额已退回',
  rejected: '未通过，金额已退回',
};

Component({
  data: {
    total: '',
    days: [] as { date: string; text: string }[],
    available: '',
    availableFen: 0,
    payouts: [] as { id: number; amount: string; status: string; at: string }[],
    amount: '',
    key: '',
    error: '',
  },
  methods: {
    onPullDownRefresh() {
      return this.load().finally(() => wx.stopPullDownRefresh());
    },
    onShow() {
      this.setData({ key: newKey('payout') });
      return this.load();
    },
    async load() {
      try {
        const [e, p] = await Promise.all([
          api<Earnings>('GET', '/api/v1/rider/earnings'),
          api<Payouts>('GET', '/api/v1/rider/payouts'),
        ]);
        this.setData({
          error: '',
          total: yuan(e.total_fen),
          days: e.days
            .filter((d) => d.jobs > 0)
            .map((d) => ({ date: d.date, text: `${d.jobs} 单 · ¥${yuan(d.fee_fen)}` })),
          available: yuan(p.available_fen),
          availableFen: p.available_fen,
          payouts: p.payouts.map((x) => ({
            id: x.id,
            amount: yuan(x.amount_fen),
            status: PAYOUT[x.status] ?? x.status,
            at: day(x.created_at),
          })),
        });
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '加载失败' });
      }
    },
    typeAmount(e: WechatMiniprogram.Input) {
      this.setData({ amount: e.detail.value });
    },
    async withdraw() {
      const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(this.data.amount.trim());
      if (!m) {
        this.setData({ error: '请输入提现金额，如 12.50' });
        return;
      }
      const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
      if (fen < 100 || fen > 200000) {
        this.setData({ error: '每次提现 1 元至 2000 元' });
        return;
      }
      if (fen > this.data.availableFen) {
        this.setData({ error: '可提现金额不足' });
        return;
      }
      try {
        await api<Payout>('POST', '/api/v1/rider/payouts', { amount_fen: fen }, { idempotencyKey: this.data.key });
        wx.showToast({ title: '已提交提现申请', icon: 'none' });
        this.setData({ amount: '', key: newKey('payout') });
        await this.load();
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '提交失败' });
      }
    },
  },
});
