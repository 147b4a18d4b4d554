// The rider's page: registration and its review, on and off duty (with the
// position reported while on duty), dispatch's offers to accept or decline,
// the grab pool, and the jobs in hand: pickup, delivery by the resident's
// code, give-up. Asked for again every few seconds while shown.
import { config } from '../../config';
import { coldClass } from '../../lib/cold';
import { metres } from '../../lib/distance';
import { ApiError, showError } from '../../lib/errors';
import * as location from '../../lib/location';
import { yuan } from '../../lib/money';
import * as poll from '../../lib/poll';
import { clock } from '../../lib/time';
import { api } from '../../lib/request';
import type { DeliveryJob, MyJobs, PoolJob, Registration, Rider } from '../../lib/types';

const VEHICLES = [
  { value: 'e_bike', label: '电动车' },
  { value: 'motorbike', label: '摩托车' },
  { value: 'car_cooler', label: '带冷柜的汽车' },
];

const JOB_STATUS: Record<string, string> = {
  assigned: '待取货',
  picked_up: '配送中',
  locked: '已锁定，等待平台处理',
};

interface JobRow {
  id: number;
  text: string;
  fee: string;
  status: string;
  statusText: string;
  canPickup: boolean;
  canDeliver: boolean;
  code: string;
}

Component({
  data: {
    loading: true,
    state: 'none' as 'none' | 'pending' | 'rejected' | 'verified',
    reason: '',
    name: '',
    onDuty: false,
    form: { real_name: '', phone: '', id_number: '', health_cert_no: '', health_cert_expires: '' },
    vehicles: VEHICLES,
    vehicleIndex: 0,
    poor: false,
    offers: [] as { id: number; jobId: number; text: string; expires: string }[],
    pool: [] as { id: number; text: string; fee: string }[],
    jobs: [] as JobRow[],
    error: '',
  },
  methods: {
    onPullDownRefresh() {
      return this.refresh().finally(() => wx.stopPullDownRefresh());
    },
    onShow() {
      poll.begin(this);
      return this.refresh();
    },
    onHide() {
      poll.end(this);
    },
    onUnload() {
      poll.end(this);
    },
    async refresh() {
      poll.pause(this);
      let r: Rider;
      try {
        r = await api<Rider>('GET', '/api/v1/rider/me');
      } catch (e) {
        if (e instanceof ApiError && e.code === 'NOT_FOUND') {
          this.setData({ loading: false, state: 'none', error: '' });
        } else {
          this.setData({ loading: false, error: e instanceof ApiError ? e.userMessage : '加载失败' });
        }
        return;
      }
      this.setData({
        loading: false,
        error: '',
        state: r.status,
        reason: r.review_reason ?? '',
        name: r.real_name,
        onDuty: r.on_duty,
      });
      if (r.status !== 'verified') {
        return;
      }
      if (r.on_duty && !location.reporting()) {
        location.start().catch(() => this.setData({ error: '请允许使用位置信息，否则无法派单' }));
      }
      await this.loadJobs();
      poll.again(this, config.pollMs, () => this.refresh());
    },
    async loadJobs() {
      try {
        const mine = await api<MyJobs>('GET', '/api/v1/rider/jobs');
        const pool = this.data.onDuty ? await api<PoolJob[]>('GET', '/api/v1/rider/jobs/available') : [];
        this.setData({
          offers: mine.offers
            .filter((o) => o.status === 'pending')
            .map((o) => ({ id: o.id, jobId: o.job_id, text: `派单 #${o.job_id}`, expires: clock(o.expires_at) })),
          pool: pool.map((j) => ({
            id: j.id,
            text: `距店 ${metres(j.to_pickup_m)} · 送 ${metres(j.distance_m)} · ${coldClass(j.cold_chain)} · ${clock(j.ready_by)} 出餐`,
            fee: yuan(j.rider_fee_fen),
          })),
          jobs: mine.jobs.map((j) => this.row(j)),
        });
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '加载失败' });
      }
    },
    row(j: DeliveryJob): JobRow {
      const old = this.data.jobs.find((x) => x.id === j.id);
      return {
        id: j.id,
        text: `订单 #${j.order_id} · 送 ${metres(j.distance_m)} · ${coldClass(j.cold_chain)}`,
        fee: yuan(j.rider_fee_fen),
        status: j.status,
        statusText: JOB_STATUS[j.status] ?? j.status,
        canPickup: j.status === 'assigned',
        canDeliver: j.status === 'picked_up',
        code: old?.code ?? '',
      };
    },
    input(e: WechatMiniprogram.Input) {
      const field = e.currentTarget.dataset.field as string;
      this.setData({ [`form.${field}`]: e.detail.value });
    },
    pickVehicle(e: WechatMiniprogram.PickerChange) {
      this.setData({ vehicleIndex: Number(e.detail.value) });
    },
    pickExpiry(e: WechatMiniprogram.PickerChange) {
      this.setData({ 'form.health_cert_expires': String(e.detail.value) });
    },
    togglePoor() {
      this.setData({ poor: !this.data.poor });
    },
    async register() {
      const f = this.data.form;
      if (!f.real_name.trim() || !/^1\d{10}$/.test(f.phone.trim()) || f.id_number.trim().length !== 18) {
        this.setData({ error: '请填写姓名、11 位手机号和 18 位身份证号' });
        return;
      }
      if (!f.health_cert_no.trim() || !/^\d{4}-\d{2}-\d{2}$/.test(f.health_cert_expires)) {
        this.setData({ error: '请填写健康证编号和有效期' });
        return;
      }
      const body: Registration = {
        real_name: f.real_name.trim(),
        phone: f.phone.trim(),
        id_number: f.id_number.trim().toUpperCase(),
        vehicle: VEHICLES[this.data.vehicleIndex].value,
        health_cert_no: f.health_cert_no.trim(),
        health_cert_expires: f.health_cert_expires,
        poor_household: this.data.poor,
      };
      try {
        await api<Rider>('POST', '/api/v1/rider/registration', body);
        wx.showToast({ title: '已提交，等待审核', icon: 'none' });
        await this.refresh();
      } catch (e) {
        this.setData({ error: e instanceof ApiError ? e.userMessage : '提交失败' });
      }
    },
    async duty() {
      const on = !this.data.onDuty;
      try {
        if (on) {
          await location.start();
        }
        await api<Rider>('POST', '/api/v1/rider/duty', { on });
        if (!on) {
          await location.stop();
        }
        wx.showToast({ title: on ? '已上线，开始接单' : '已下线', icon: 'none' });
      } catch (e) {
        if (e instanceof ApiError) {
          showError(e);
        } else {
          wx.showModal({ title: '提示', content: '上线接单需要使用你的位置，请在设置中允许', showCancel: false });
        }
      }
      await this.refresh();
    },
    async act(path: string, body: unknown, done: string) {
      try {
        await api<DeliveryJob>('POST', path, body);
        wx.showToast({ title: done, icon: 'none' });
      } catch (e) {
        showError(e);
      }
      await this.refresh();
    },
    grab(e: WechatMiniprogram.BaseEvent) {
      return this.act(`/api/v1/rider/jobs/${e.currentTarget.dataset.id}/grab`, {}, '抢单成功');
    },
    accept(e: WechatMiniprogram.BaseEvent) {
      return this.act(`/api/v1/rider/jobs/${e.currentTarget.dataset.job}/accept`, {}, '已接单');
    },
    async decline(e: WechatMiniprogram.BaseEvent) {
      try {
        await api('POST', `/api/v1/rider/jobs/${e.currentTarget.dataset.job}/decline`, {});
        wx.showToast({ title: '已拒绝', icon: 'none' });
      } catch (err) {
        showError(err);
      }
      await this.refresh();
    },
    async pickup(e: WechatMiniprogram.BaseEvent) {
      let at: { lat: number; lng: number };
      try {
        at = await location.here();
      } catch {
        wx.showToast({ title: '无法获取位置', icon: 'none' });
        return;
      }
      await this.act(`/api/v1/rider/jobs/${e.currentTarget.dataset.id}/pickup`, at, '已取货');
    },
    typeCode(e: WechatMiniprogram.Input) {
      const id = Number(e.currentTarget.dataset.id);
      this.setData({ jobs: this.data.jobs.map((j) => (j.id === id ? { ...j, code: e.detail.value } : j)) });
    },
    deliver(e: WechatMiniprogram.BaseEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const code = this.data.jobs.find((j) => j.id === id)?.code.trim() ?? '';
      if (!/^\d{4}$/.test(code)) {
        wx.showToast({ title: '请输入顾客的 4 位收货码', icon: 'none' });
        return Promise.resolve();
      }
      return this.act(`/api/v1/rider/jobs/${id}/deliver`, { code }, '已送达');
    },
    giveUp(e: WechatMiniprogram.BaseEvent) {
      const id = e.currentTarget.dataset.id;
      return new Promise<void>((resolve) => {
        wx.showModal({
          title: '放弃这单？',
          content: '放弃后订单回到派单池，放弃次数会计入记录',
          success: (r) => {
            if (r.confirm) {
              this.act(`/api/v1/rider/jobs/${id}/give-up`, {}, '已放弃').then(resolve);
            } else {
              resolve();
            }
          },
        });
      });
    },
    earnings() {
      wx.navigateTo({ url: '/pages/earnings/earnings' });
    },
  },
});
