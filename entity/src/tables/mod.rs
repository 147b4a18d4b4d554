//! The sea-orm models, one file per table (named for one row: `order` is
//! the `orders` table), and the enums stored in their columns. Columns and
//! relations only: the rules over them live in the ends and lines of the crate.

/// Declares an enum stored in a string column: the stored names are the
/// serialized names too, so the database, the JSON and the code agree.
/// Gives `ALL`, `as_str`, `parse` and `Display`.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum, serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        pub enum $name {
            $( $(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored (and serialized) name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            /// Parses a stored name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($value,)+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod address;
pub mod agent_keeper;
pub mod agent_point;
pub mod batch_source;
pub mod carrier;
pub mod category;
pub mod cold_batch;
pub mod cold_chain_policy;
pub mod cold_settlement;
pub mod commission_rule;
pub mod community;
pub mod console_session;
pub mod daily_reach;
pub mod daily_stat;
pub mod delivery_job;
pub mod departure;
pub mod departure_plan;
pub mod dispatch_offer;
pub mod driver;
pub mod fee_rule;
pub mod host_admin;
pub mod host_audit;
pub mod job;
pub mod ledger_account;
pub mod ledger_entry;
pub mod ledger_posting;
pub mod listing_decision;
pub mod login_throttle;
pub mod media;
pub mod merchant;
pub mod merchant_application;
pub mod mini_program;
pub mod operator_account;
pub mod order;
pub mod order_event;
pub mod order_item;
pub mod payment;
pub mod payment_account;
pub mod payout;
pub mod periodic_run;
pub mod platform;
pub mod product;
pub mod product_ingredient;
pub mod production_batch;
pub mod profit_share;
pub mod profit_share_line;
pub mod profit_share_return;
pub mod purchase;
pub mod reconciliation_report;
pub mod refresh_token;
pub mod refund;
pub mod rider;
pub mod rider_position;
pub mod role;
pub mod role_membership;
pub mod route;
pub mod route_stop;
pub mod setting_change;
pub mod settlement_run;
pub mod sharing_receiver;
pub mod sku;
pub mod statement;
pub mod store;
pub mod store_route;
pub mod store_staff;
pub mod supplier;
pub mod temperature_reading;
pub mod trip;
pub mod trip_package;
pub mod trip_stop;
pub mod user;
pub mod vehicle;
pub mod village;
pub mod wage;
pub mod wechat_identity;
