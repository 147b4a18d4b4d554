//! The listing line (产品上架对接线): a merchant applies and is reviewed; a
//! product is submitted, reviewed, listed and delisted.

pub mod applications;
pub mod product_states;
pub mod review;
