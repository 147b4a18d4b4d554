//! The supply end (供应端): merchants' stores and their settings and hours,
//! menus as the kitchen edits them (or imports them from a spreadsheet), the supplier households and
//! cooperatives behind the products, and production batches with trace codes.

pub mod hours;
pub mod households;
pub mod menu;
pub mod menu_import;
pub mod staff;
pub mod stores;
pub mod trace;
