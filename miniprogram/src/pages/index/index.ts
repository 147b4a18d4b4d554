// Home: the resident's address, the stores that deliver to it, scanning a
// product's trace code, and the way into the rider's and the keeper's pages.
import { metres } from '../../lib/distance';
import { showError } from '../../lib/errors';
import { yuan } from '../../lib/money';
import { api } from '../../lib/request';
import { scanTrace } from '../../lib/trace';
import type { Address, MeResponse, StorePage } from '../../lib/types';

/** The merchants' categories (entity `listing_line::applications::CATEGORIES`). */
const CATEGORY: Record<string, string> = {
  snacks: '小吃',
  bakery: '面点烘焙',
  produce: '果蔬',
  meat: '肉禽',
  groceries: '粮油副食',
  drinks: '饮品',
};

interface StoreRow {
  id: number;
  name: string;
  category: string;
  open: boolean;
  openText: string;
  fee: string;
  distance: string;
}

Component({
  data: {
    loading: true,
    addresses: [] as Address[],
    addressIndex: 0,
    addressText: '',
    stores: [] as StoreRow[],
    keeper: false,
    error: '',
  },
  methods: {
    onShow() {
      return this.load();
    },
    async load() {
      this.setData({ loading: true, error: '' });
      try {
        const [me, addresses] = await Promise.all([
          api<MeResponse>('GET', '/api/v1/me'),
          api<Address[]>('GET', '/api/v1/addresses'),
        ]);
        this.setData({ keeper: me.roles.includes('agent_keeper') });
        const i = Math.min(this.data.addressIndex, Math.max(0, addresses.length - 1));
        this.setData({ addresses, addressIndex: i });
        if (addresses.length === 0) {
          this.setData({ stores: [], addressText: '', loading: false });
          return;
        }
        await this.loadStores(addresses[i]);
      } catch (e) {
        this.setData({ loading: false, error: '加载失败，请下拉重试' });
        showError(e);
      }
    },
    async loadStores(a: Address) {
      const page = await api<StorePage>('GET', `/api/v1/stores?address_id=${a.id}`);
      const stores = page.items.map((s) => ({
        id: s.id,
        name: s.name,
        category: CATEGORY[s.category] ?? s.category,
        open: s.open_status === 'open',
        openText: s.open_status === 'open' ? '营业中' : '休息中',
        fee: yuan(s.delivery_fee_hint_fen),
        distance: metres(s.distance_m),
      }));
      this.setData({
        stores,
        addressText: `${[a.area, a.detail].filter(Boolean).join(' ')}（${a.kind === 'village' ? '代收点自提' : '送货上门'}）`,
        loading: false,
      });
    },
    pickAddress(e: WechatMiniprogram.PickerChange) {
      const i = Number(e.detail.value);
      this.setData({ addressIndex: i });
      this.loadStores(this.data.addresses[i]).catch(showError);
    },
    addAddress() {
      wx.navigateTo({ url: '/pages/address/address' });
    },
    openStore(e: WechatMiniprogram.BaseEvent) {
      const id = e.currentTarget.dataset.id as number;
      const address = this.data.addresses[this.data.addressIndex];
      const open = this.data.stores.find((st) => st.id === id)?.open ?? true;
      wx.navigateTo({ url: `/pages/store/store?id=${id}&address=${address.id}${open ? '' : '&closed=1'}` });
    },
    myOrders() {
      wx.navigateTo({ url: '/pages/orders/orders' });
    },
    scan() {
      scanTrace();
    },
    rider() {
      wx.navigateTo({ url: '/pages/rider/rider' });
    },
    keeperPage() {
      wx.navigateTo({ url: '/pages/keeper/keeper' });
    },
    onPullDownRefresh() {
      this.load().finally(() => wx.stopPullDownRefresh());
    },
  },
});
