/** The API's types, generated from its OpenAPI document (src/api/schema.d.ts). */
import type { components } from '../api/schema';

type S = components['schemas'];
export type Address = S['Address'];
export type AddressInput = S['AddressInput'];
export type ErrorBody = S['ErrorBody'];
export type LoginResponse = S['LoginResponse'];
export type Menu = S['Menu'];
export type MenuProduct = S['MenuProduct'];
export type MenuSku = S['MenuSku'];
export type Order = S['Order'];
export type OrderPage = S['OrderPage'];
export type OrderView = S['OrderView'];
export type PayResponse = S['PayResponse'];
export type Quote = S['Quote'];
export type QuoteRequest = S['QuoteRequest'];
export type StoreCard = S['StoreCard'];
export type StorePage = S['StorePage'];
export type TokenPair = S['TokenPair'];
export type Village = S['VillageEntry'];
