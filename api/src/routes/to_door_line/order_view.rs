//! How an order is shown: lines, money, plan and timeline.

use entity::order::{DeliveryKind, OrderStatus};
use entity::to_door_line::pricing::DeliveryPlan;
use entity::{order, order_event, order_item};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;

/// An order with its lines and timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    /// Order id.
    pub id: i64,
    /// Public order number.
    pub order_no: String,
    /// Status, e.g. `pending_payment`, `paid`, `accepted`.
    pub status: OrderStatus,
    /// The store.
    pub store_id: i64,
    /// `city` or `village`.
    pub delivery_kind: DeliveryKind,
    /// Lines with names and prices as ordered.
    pub items: Vec<order_item::Model>,
    /// Sum of the lines.
    pub items_total_fen: i64,
    /// Packing fee.
    pub packing_fee_fen: i64,
    /// Delivery fee.
    pub delivery_fee_fen: i64,
    /// Cold-chain surcharge.
    pub surcharge_fen: i64,
    /// Discounts.
    pub discount_fen: i64,
    /// What the resident pays.
    pub payable_fen: i64,
    /// How and when it arrives.
    pub plan: Option<DeliveryPlan>,
    /// The kitchen note.
    pub note: String,
    /// Every step: who, when, from, to.
    pub timeline: Vec<order_event::Model>,
    /// When it was placed.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was paid.
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    /// City orders, to the resident only: the code to tell the rider at the
    /// door.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_code: Option<String>,
    /// Village orders, to the resident only: the code to show the agent
    /// point's keeper when collecting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_code: Option<String>,
    /// Village orders with chilled or frozen goods, to the resident: the
    /// cold-chain record of the journey per class (warmest reading,
    /// verdict, compensation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cold_chain: Vec<entity::to_door_line::village::batch_settlement::ColdRecord>,
    /// The trace code of each item tied to a production batch (scan or
    /// open `GET /api/v1/trace/{code}`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<ItemTrace>,
}

/// An order item's production batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemTrace {
    /// The order item.
    pub item_id: i64,
    /// The batch's public trace code.
    pub trace_code: String,
}

/// Builds the view of an order.
pub async fn order_view(db: &impl ConnectionTrait, o: order::Model) -> ApiResult<OrderView> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(o.id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    let batch_ids: Vec<i64> = items.iter().filter_map(|i| i.batch_id).collect();
    let codes: std::collections::BTreeMap<i64, String> = if batch_ids.is_empty() {
        Default::default()
    } else {
        entity::production_batch::Entity::find()
            .filter(entity::production_batch::Column::Id.is_in(batch_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.id, b.trace_code))
            .collect()
    };
    let traces = items
        .iter()
        .filter_map(|i| {
            let code = codes.get(&i.batch_id?)?;
            Some(ItemTrace {
                item_id: i.id,
                trace_code: code.clone(),
            })
        })
        .collect();
    let timeline = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(o.id))
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?;
    Ok(OrderView {
        plan: serde_json::from_str(&o.delivery_plan).ok(),
        id: o.id,
        order_no: o.order_no,
        status: o.status,
        store_id: o.store_id,
        delivery_kind: o.delivery_kind,
        items,
        items_total_fen: o.items_total_fen,
        packing_fee_fen: o.packing_fee_fen,
        delivery_fee_fen: o.delivery_fee_fen,
        surcharge_fen: o.surcharge_fen,
        discount_fen: o.discount_fen,
        payable_fen: o.payable_fen,
        note: o.note,
        timeline,
        created_at: o.created_at,
        paid_at: o.paid_at,
        delivery_code: None,
        pickup_code: None,
        cold_chain: Vec::new(),
        traces,
    })
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    /// Orders, newest first.
    pub items: Vec<order::Model>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<i64>,
}
