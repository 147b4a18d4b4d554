// A store's menu by category, with the cart kept per store.
import { cartOf, change, type Cart } from '../../lib/cart';
import { coldClass } from '../../lib/cold';
import { showError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { api } from '../../lib/request';
import type { Menu } from '../../lib/types';

interface SkuRow {
  id: number;
  label: string;
  price: string;
  priceFen: number;
  soldOut: boolean;
  qty: number;
}

interface Section {
  name: string;
  products: { id: number; name: string; cold: string; skus: SkuRow[] }[];
}


function total(sections: Section[]): { count: number; fen: number } {
  let count = 0;
  let fen = 0;
  for (const s of sections) {
    for (const p of s.products) {
      for (const k of p.skus) {
        count += k.qty;
        fen += k.qty * k.priceFen;
      }
    }
  }
  return { count, fen };
}

Component({
  data: {
    storeId: 0,
    addressId: 0,
    storeName: '',
    closed: false,
    sections: [] as Section[],
    count: 0,
    total: '0.00',
    error: '',
  },
  methods: {
    async onLoad(q: Record<string, string>) {
      this.setData({ storeId: Number(q.id), addressId: Number(q.address), closed: q.closed === '1' });
      try {
        const menu = await api<Menu>('GET', `/api/v1/stores/${q.id}/menu`);
        this.show(menu, cartOf(Number(q.id)));
      } catch (e) {
        this.setData({ error: '菜单加载失败' });
        showError(e);
      }
    },
    show(menu: Menu, cart: Cart) {
      const sections = menu.categories.map((c) => ({
        name: c.name,
        products: c.products.map((p) => ({
          id: p.id,
          name: p.name,
          cold: p.cold_chain === 'ambient' ? '' : coldClass(p.cold_chain),
          skus: p.skus.map((k) => ({
            id: k.id,
            label: k.name,
            price: yuan(k.price_fen),
            priceFen: k.price_fen,
            soldOut: k.sold_out,
            qty: cart[k.id] ?? 0,
          })),
        })),
      }));
      const t = total(sections);
      this.setData({ storeName: menu.store_name, sections, count: t.count, total: yuan(t.fen) });
      wx.setNavigationBarTitle({ title: menu.store_name });
    },
    bump(e: WechatMiniprogram.BaseEvent) {
      const sku = Number(e.currentTarget.dataset.sku);
      const delta = Number(e.currentTarget.dataset.delta);
      const cart = change(this.data.storeId, sku, delta);
      const sections = this.data.sections.map((s) => ({
        ...s,
        products: s.products.map((p) => ({
          ...p,
          skus: p.skus.map((k) => ({ ...k, qty: cart[k.id] ?? 0 })),
        })),
      }));
      const t = total(sections);
      this.setData({ sections, count: t.count, total: yuan(t.fen) });
    },
    checkout() {
      if (this.data.count === 0) {
        wx.showToast({ title: '购物车是空的', icon: 'none' });
        return;
      }
      wx.navigateTo({
        url: `/pages/checkout/checkout?store=${this.data.storeId}&address=${this.data.addressId}`,
      });
    },
  },
});
