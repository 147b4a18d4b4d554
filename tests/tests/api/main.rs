//! Tongcheng's black-box integration tests, one binary so that the test
//! PostgreSQL cluster is started once. Every scenario runs on SQLite and on
//! PostgreSQL (`both!`).

mod area_import;
mod auth_password;
mod auth_wechat;
mod backup;
mod browsing;
mod cli;
mod cold_chain;
mod console;
mod crash;
mod delivery;
mod demo_month;
mod errors;
mod fuzz;
mod go_live;
mod host;
mod images;
mod instances;
mod jobs;
mod ledger;
mod ledger_props;
mod linkage;
mod menu;
mod migrations;
mod mini_programs;
mod onboarding;
mod ops;
mod orders;
mod partner_mode;
mod payment_accounts;
mod payouts;
mod profit_sharing;
mod provisioning;
mod rate_limits;
mod refunds;
mod seed;
mod service_area;
mod sessions;
mod settings;
mod sharing_limit;
mod sharing_refunds;
mod stats;
mod tokens;
mod village;
mod wechatpay;
