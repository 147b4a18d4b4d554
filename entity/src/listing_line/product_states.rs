//! The listing line (产品上架对接线) as a state machine: a product is drafted,
//! submitted for review, listed or rejected by an operator, and delisted.

pub use crate::product::ProductStatus;

/// What can happen to a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingEvent {
    /// The merchant asks for review.
    Submit,
    /// An operator approves.
    Approve,
    /// An operator refuses.
    Reject,
    /// The merchant or an operator takes it off the menu.
    Delist,
    /// The merchant edits what residents see (name, images, description,
    /// cold-chain class); price and stock edits are not events.
    EditContent,
}

impl ListingEvent {
    /// Every event.
    pub const ALL: [ListingEvent; 5] = [
        ListingEvent::Submit,
        ListingEvent::Approve,
        ListingEvent::Reject,
        ListingEvent::Delist,
        ListingEvent::EditContent,
    ];
}

/// A transition the listing line does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from:?} product cannot take {event:?}")]
pub struct InvalidTransition {
    /// The current status.
    pub from: ProductStatus,
    /// The refused event.
    pub event: ListingEvent,
}

/// The one transition function of the listing line.
///
/// Editing the content of a listed product sends it back to review (the
/// last approved version stays on the menu meanwhile); editing a draft,
/// pending, rejected or delisted product leaves its status alone.
pub fn transition(
    from: ProductStatus,
    event: ListingEvent,
) -> Result<ProductStatus, InvalidTransition> {
    use ListingEvent as E;
    use ProductStatus as S;
    let to = match (from, event) {
        (S::Draft | S::Rejected | S::Delisted, E::Submit) => S::PendingReview,
        (S::PendingReview, E::Approve) => S::Listed,
        (S::PendingReview, E::Reject) => S::Rejected,
        (S::Listed | S::PendingReview | S::Rejected, E::Delist) => S::Delisted,
        (S::Listed, E::EditContent) => S::PendingReview,
        (s @ (S::Draft | S::PendingReview | S::Rejected | S::Delisted), E::EditContent) => s,
        (from, event) => return Err(InvalidTransition { from, event }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingEvent as E;
    use ProductStatus as S;

    #[test]
    fn every_pair_is_decided() {
        let allowed = [
            (S::Draft, E::Submit, S::PendingReview),
            (S::Draft, E::EditContent, S::Draft),
            (S::PendingReview, E::Approve, S::Listed),
            (S::PendingReview, E::Reject, S::Rejected),
            (S::PendingReview, E::Delist, S::Delisted),
            (S::PendingReview, E::EditContent, S::PendingReview),
            (S::Listed, E::Delist, S::Delisted),
            (S::Listed, E::EditContent, S::PendingReview),
            (S::Rejected, E::Submit, S::PendingReview),
            (S::Rejected, E::Delist, S::Delisted),
            (S::Rejected, E::EditContent, S::Rejected),
            (S::Delisted, E::Submit, S::PendingReview),
            (S::Delisted, E::EditContent, S::Delisted),
        ];
        for &from in S::ALL {
            for event in E::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (transition(from, event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} + {event:?}"),
                    (Err(_), None) => {}
                    (got, want) => panic!("{from:?} + {event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("live"), None);
    }
}
