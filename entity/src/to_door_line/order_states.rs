//! The order state machine: one transition function for every move of an
//! order along the to-door line.

pub use crate::order::{DeliveryKind, OrderStatus};

/// Something that happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    /// The payment provider confirmed payment.
    PaymentConfirmed,
    /// The resident cancels.
    ResidentCancel,
    /// Nobody paid in time.
    PaymentTimeout,
    /// The kitchen accepts.
    MerchantAccept,
    /// The kitchen refuses.
    MerchantReject,
    /// The kitchen did not answer in time.
    AcceptanceTimeout,
    /// The kitchen finished preparing.
    MarkReady,
    /// A rider takes the job (city), before or after the food is ready.
    AssignRider,
    /// The assigned rider gives the job back before pickup (city).
    ReleaseRider,
    /// The rider picks it up at the store (city).
    PickUp,
    /// Loaded onto a village trip.
    LoadOnTrip,
    /// The village trip was full: the order rides the next departure.
    RollOver,
    /// The trip reached the agent point.
    ArriveAtAgentPoint,
    /// Handed to the resident (door, or collected at the agent point).
    Deliver,
    /// The resident confirms, or the platform closes it.
    Complete,
    /// The refund went through.
    RefundSucceeded,
    /// Left at the agent point too long: the operator sends it back and
    /// refunds the resident (village).
    ReturnUncollected,
}

impl OrderEvent {
    /// Every event.
    pub const ALL: [OrderEvent; 17] = [
        OrderEvent::PaymentConfirmed,
        OrderEvent::ResidentCancel,
        OrderEvent::PaymentTimeout,
        OrderEvent::MerchantAccept,
        OrderEvent::MerchantReject,
        OrderEvent::AcceptanceTimeout,
        OrderEvent::MarkReady,
        OrderEvent::AssignRider,
        OrderEvent::ReleaseRider,
        OrderEvent::PickUp,
        OrderEvent::LoadOnTrip,
        OrderEvent::RollOver,
        OrderEvent::ArriveAtAgentPoint,
        OrderEvent::Deliver,
        OrderEvent::Complete,
        OrderEvent::RefundSucceeded,
        OrderEvent::ReturnUncollected,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::PaymentConfirmed => "payment_confirmed",
            OrderEvent::ResidentCancel => "resident_cancel",
            OrderEvent::PaymentTimeout => "payment_timeout",
            OrderEvent::MerchantAccept => "merchant_accept",
            OrderEvent::MerchantReject => "merchant_reject",
            OrderEvent::AcceptanceTimeout => "acceptance_timeout",
            OrderEvent::MarkReady => "mark_ready",
            OrderEvent::AssignRider => "assign_rider",
            OrderEvent::ReleaseRider => "release_rider",
            OrderEvent::PickUp => "pick_up",
            OrderEvent::LoadOnTrip => "load_on_trip",
            OrderEvent::RollOver => "roll_over",
            OrderEvent::ArriveAtAgentPoint => "arrive_at_agent_point",
            OrderEvent::Deliver => "deliver",
            OrderEvent::Complete => "complete",
            OrderEvent::RefundSucceeded => "refund_succeeded",
            OrderEvent::ReturnUncollected => "return_uncollected",
        }
    }
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} order cannot take {}", from.as_str(), event.as_str())]
pub struct InvalidOrderTransition {
    /// The current status.
    pub from: OrderStatus,
    /// The refused event.
    pub event: OrderEvent,
}

/// The one transition function of orders.
pub fn transition(
    from: OrderStatus,
    event: OrderEvent,
    kind: DeliveryKind,
) -> Result<OrderStatus, InvalidOrderTransition> {
    use DeliveryKind::{City, Village};
    use OrderEvent as E;
    use OrderStatus as S;
    let to = match (from, event, kind) {
        (S::PendingPayment, E::PaymentConfirmed, _) => S::Paid,
        (S::PendingPayment, E::ResidentCancel | E::PaymentTimeout, _) => S::Cancelled,
        // Paid but not yet accepted: the money goes back.
        (S::Paid, E::ResidentCancel | E::MerchantReject | E::AcceptanceTimeout, _) => S::Refunding,
        (S::Paid, E::MerchantAccept, _) => S::Accepted,
        (S::Accepted, E::MarkReady, _) => S::Ready,
        // A rider may be on the way while the kitchen still cooks: the
        // status follows the delivery, readiness is recorded as an event
        // (and `orders.ready_at`), and pickup checks it.
        (S::Accepted | S::Ready, E::AssignRider, City) => S::RiderAssigned,
        (S::RiderAssigned, E::MarkReady, City) => S::RiderAssigned,
        // Back to the kitchen's state; a ready order is marked ready again
        // by the caller (`orders.ready_at` is kept).
        (S::RiderAssigned, E::ReleaseRider, City) => S::Accepted,
        (S::RiderAssigned, E::PickUp, City) => S::PickedUp,
        (S::PickedUp, E::Deliver, City) => S::Delivered,
        (S::Ready, E::LoadOnTrip, Village) => S::OnTrip,
        // A full trip moves the order to the next departure; its status stays.
        (S::Accepted, E::RollOver, Village) => S::Accepted,
        (S::Ready, E::RollOver, Village) => S::Ready,
        (S::OnTrip, E::ArriveAtAgentPoint, Village) => S::AtAgentPoint,
        (S::AtAgentPoint, E::Deliver, Village) => S::Delivered,
        (S::AtAgentPoint, E::ReturnUncollected, Village) => S::Refunding,
        (S::Delivered, E::Complete, _) => S::Completed,
        (S::Refunding, E::RefundSucceeded, _) => S::Refunded,
        (from, event, _) => return Err(InvalidOrderTransition { from, event }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryKind::{City, Village};
    use OrderEvent as E;
    use OrderStatus as S;

    /// Every allowed move; everything else must be refused.
    const ALLOWED: &[(S, E, Option<DeliveryKind>, S)] = &[
        (S::PendingPayment, E::PaymentConfirmed, None, S::Paid),
        (S::PendingPayment, E::ResidentCancel, None, S::Cancelled),
        (S::PendingPayment, E::PaymentTimeout, None, S::Cancelled),
        (S::Paid, E::ResidentCancel, None, S::Refunding),
        (S::Paid, E::MerchantReject, None, S::Refunding),
        (S::Paid, E::AcceptanceTimeout, None, S::Refunding),
        (S::Paid, E::MerchantAccept, None, S::Accepted),
        (S::Accepted, E::MarkReady, None, S::Ready),
        (S::Accepted, E::AssignRider, Some(City), S::RiderAssigned),
        (S::Ready, E::AssignRider, Some(City), S::RiderAssigned),
        (S::RiderAssigned, E::MarkReady, Some(City), S::RiderAssigned),
        (S::RiderAssigned, E::ReleaseRider, Some(City), S::Accepted),
        (S::RiderAssigned, E::PickUp, Some(City), S::PickedUp),
        (S::PickedUp, E::Deliver, Some(City), S::Delivered),
        (S::Ready, E::LoadOnTrip, Some(Village), S::OnTrip),
        (S::Accepted, E::RollOver, Some(Village), S::Accepted),
        (S::Ready, E::RollOver, Some(Village), S::Ready),
        (
            S::OnTrip,
            E::ArriveAtAgentPoint,
            Some(Village),
            S::AtAgentPoint,
        ),
        (S::AtAgentPoint, E::Deliver, Some(Village), S::Delivered),
        (
            S::AtAgentPoint,
            E::ReturnUncollected,
            Some(Village),
            S::Refunding,
        ),
        (S::Delivered, E::Complete, None, S::Completed),
        (S::Refunding, E::RefundSucceeded, None, S::Refunded),
    ];

    #[test]
    fn every_pair_is_decided() {
        let mut allowed_count = 0;
        for &from in S::ALL {
            for event in E::ALL {
                for kind in [City, Village] {
                    let want = ALLOWED
                        .iter()
                        .find(|(f, e, k, _)| {
                            *f == from && *e == event && k.is_none_or(|k| k == kind)
                        })
                        .map(|(_, _, _, to)| *to);
                    let got = transition(from, event, kind).ok();
                    assert_eq!(got, want, "{from:?} + {event:?} ({kind:?})");
                    allowed_count += usize::from(got.is_some());
                }
            }
        }
        assert_eq!(allowed_count, 2 * 10 + 12, "allowed moves counted per kind");
    }

    #[test]
    fn terminal_states_take_nothing() {
        for terminal in [S::Completed, S::Cancelled, S::Refunded] {
            for event in E::ALL {
                assert!(transition(terminal, event, City).is_err());
                assert!(transition(terminal, event, Village).is_err());
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
