// A new address: a point in town picked on the map (the community is found
// by the server), or a village's agent point to collect from.
import { ApiError, showError } from '../../lib/errors';
import { api } from '../../lib/request';
import type { Address, AddressInput, Village } from '../../lib/types';

interface PointRow {
  id: number;
  label: string;
}

Component({
  data: {
    mode: 'city' as 'city' | 'village',
    contactName: '',
    contactPhone: '',
    detail: '',
    location: null as { lat: number; lng: number } | null,
    locationText: '',
    points: [] as PointRow[],
    pointIndex: -1,
    pointLabel: '选择代收点',
    saved: '',
    error: '',
  },
  methods: {
    async onLoad() {
      try {
        const villages = await api<Village[]>('GET', '/api/v1/villages');
        const points = villages.flatMap((v) =>
          v.agent_points.map((p) => ({ id: p.id, label: `${v.township} ${v.name} · ${p.name}` })),
        );
        this.setData({ points });
      } catch (e) {
        showError(e);
      }
    },
    input(e: WechatMiniprogram.Input) {
      const field = e.currentTarget.dataset.field as string;
      this.setData({ [field]: e.detail.value });
    },
    useCity() {
      this.setData({ mode: 'city' });
    },
    useVillage() {
      this.setData({ mode: 'village' });
    },
    pickPoint(e: WechatMiniprogram.PickerChange) {
      const i = Number(e.detail.value);
      this.setData({ pointIndex: i, pointLabel: this.data.points[i]?.label ?? '选择代收点' });
    },
    chooseOnMap() {
      wx.chooseLocation({
        success: (r) => {
          this.setData({
            location: { lat: r.latitude, lng: r.longitude },
            locationText: r.name || r.address,
            detail: this.data.detail || r.address,
          });
        },
        fail: () => wx.showToast({ title: '未选择位置', icon: 'none' }),
      });
    },
    async save() {
      const d = this.data;
      if (!d.contactName.trim() || !/^1\d{10}$/.test(d.contactPhone.trim())) {
        this.setData({ error: '请填写联系人和 11 位手机号' });
        return;
      }
      const body: AddressInput = {
        contact_name: d.contactName.trim(),
        contact_phone: d.contactPhone.trim(),
        detail: d.detail.trim(),
      };
      if (d.mode === 'city') {
        if (!d.location) {
          this.setData({ error: '请在地图上选择位置' });
          return;
        }
        body.location = d.location;
      } else {
        if (d.pointIndex < 0) {
          this.setData({ error: '请选择村里的代收点' });
          return;
        }
        body.agent_point_id = d.points[d.pointIndex].id;
      }
      try {
        const a = await api<Address>('POST', '/api/v1/addresses', body);
        this.setData({
          error: '',
          saved: a.kind === 'village' ? `已保存：到 ${a.area} 自提` : `已保存：${a.area}，送货上门`,
        });
        wx.navigateBack();
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '保存失败' });
      }
    },
  },
});
