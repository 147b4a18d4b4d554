//! The roles a user can hold on a platform.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A role, granted per platform through a role membership.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders from stores through the mini-program.
    #[sea_orm(string_value = "resident")]
    Resident,
    /// Works for a merchant: menus, orders, statements.
    #[sea_orm(string_value = "merchant_staff")]
    MerchantStaff,
    /// Delivers city orders.
    #[sea_orm(string_value = "rider")]
    Rider,
    /// Drives village trips for a carrier.
    #[sea_orm(string_value = "driver")]
    Driver,
    /// County platform staff.
    #[sea_orm(string_value = "operator")]
    Operator,
    /// Keeps a village agent point: takes trips' packages, hands them out.
    #[sea_orm(string_value = "agent_keeper")]
    AgentKeeper,
    /// A city's commerce bureau: reads the statistics of every platform of
    /// the city.
    #[sea_orm(string_value = "bureau")]
    Bureau,
}

impl Role {
    /// The wire and database name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::MerchantStaff => "merchant_staff",
            Role::Rider => "rider",
            Role::Driver => "driver",
            Role::Operator => "operator",
            Role::AgentKeeper => "agent_keeper",
            Role::Bureau => "bureau",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn wire_names_match_database_names() {
        for role in Role::iter() {
            assert_eq!(role.to_value(), role.as_str());
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
    }
}
