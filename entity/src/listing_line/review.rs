//! Product review on the listing line: submit, approve, reject and delist,
//! each recorded as a decision.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::error::{DomainError, DomainResult};
use crate::listing_decision::ListingDecision;
use crate::listing_line::product_states::{ListingEvent, transition};
use crate::supply_end::menu::{content, skus, write_versioned};
use crate::validate::text;
use crate::{listing_decision, product};

/// Who acts on the listing line.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    /// The acting user.
    pub user_id: i64,
}

/// Applies a listing-line event to a product, records the decision, and
/// returns the product. Run in a transaction.
pub async fn apply_listing_event(
    db: &impl ConnectionTrait,
    current: product::Model,
    event: ListingEvent,
    reason: Option<String>,
    actor: Actor,
    now: DateTime<Utc>,
) -> DomainResult<product::Model> {
    let from = current.status;
    let to = transition(from, event)?;
    let reason = match (event, reason) {
        (ListingEvent::Reject, Some(r)) => Some(text("reason", &r, 1, 200)?),
        (ListingEvent::Reject, None) => return Err(DomainError::invalid("reason", "say why")),
        (_, r) => r.map(|r| r.chars().take(200).collect()),
    };
    if event == ListingEvent::Submit && skus(db, current.id).await?.is_empty() {
        return Err(DomainError::NotReady(
            "add at least one SKU before submitting".into(),
        ));
    }
    let mut m: product::ActiveModel = current.clone().into();
    m.status = Set(to);
    match event {
        ListingEvent::Approve => {
            let approved = content(&current);
            m.live_name = Set(Some(approved.name.clone()));
            m.live =
                Set(Some(serde_json::to_string(&approved).map_err(|e| {
                    DomainError::invalid("content", e.to_string())
                })?));
            m.reject_reason = Set(None);
        }
        ListingEvent::Reject => m.reject_reason = Set(reason.clone()),
        // Off the menu for good: coming back means a fresh review.
        ListingEvent::Delist => {
            m.live = Set(None);
            m.live_name = Set(None);
        }
        _ => {}
    }
    let updated = write_versioned(db, &current, m, current.version, now).await?;
    let decision = match event {
        ListingEvent::Submit => ListingDecision::Submitted,
        ListingEvent::Approve => ListingDecision::Approved,
        ListingEvent::Reject => ListingDecision::Rejected,
        ListingEvent::Delist => ListingDecision::Delisted,
        ListingEvent::EditContent => ListingDecision::Edited,
    };
    listing_decision::ActiveModel {
        platform_id: Set(current.platform_id),
        product_id: Set(current.id),
        decision: Set(decision),
        reason: Set(reason),
        actor_user_id: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(updated)
}
