// A product's trace: the kitchen, the production date, where the
// ingredients came from, and, for a resident who received it, the
// cold-chain record of that delivery.
import { coldText } from '../../lib/cold';
import { ApiError } from '../../lib/errors';
import { api } from '../../lib/request';
import type { TraceView } from '../../lib/types';

const SUPPLIER: Record<string, string> = { household: '农户', cooperative: '合作社', other: '其他' };

Component({
  data: {
    loaded: false,
    product: '',
    kitchen: '',
    producedOn: '',
    quantity: 0,
    sources: [] as { text: string; poor: boolean }[],
    delivery: '',
    cold: [] as { text: string }[],
    error: '',
  },
  methods: {
    async onLoad(q: Record<string, string>) {
      try {
        const t = await api<TraceView>('GET', `/api/v1/trace/${encodeURIComponent(q.code ?? '')}`);
        this.setData({
          loaded: true,
          error: '',
          product: t.product,
          kitchen: `${t.merchant} · ${t.kitchen}`,
          producedOn: t.produced_on,
          quantity: t.quantity,
          sources: t.sources.map((s) => ({
            text: `${s.ingredient}：${s.village ?? '本县'}${SUPPLIER[s.supplier_kind] ?? ''}`,
            poor: s.registered_poor,
          })),
          delivery: t.your_delivery ? `你的订单 ${t.your_delivery.order_no}` : '',
          cold: (t.your_delivery?.cold_chain ?? []).map((c) => ({ text: coldText(c) })),
        });
      } catch (e) {
        const code = e instanceof ApiError ? e.code : '';
        this.setData({ error: code === 'NOT_FOUND' ? '没有找到这个溯源码' : e instanceof ApiError ? e.userMessage : '加载失败' });
      }
    },
  },
});
