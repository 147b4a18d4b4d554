//! City dispatch: the exact minimum-cost matching of open jobs to riders
//! ([`matching`]), the spatial index that finds candidate pairs
//! ([`spatial`]), and the worker's dispatch round ([`round`]).

pub mod matching;
pub mod round;
pub mod spatial;
