//! A rider's earnings by day and by job.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::delivery_job::DeliveryJobStatus;
use crate::error::DomainResult;
use crate::{delivery_job, rider};

/// Earnings of one day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EarningsDay {
    /// Local date.
    pub date: NaiveDate,
    /// Jobs delivered.
    pub jobs: i64,
    /// Sum of rider fees.
    pub fee_fen: i64,
}

/// One delivered job's earning.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EarningsJob {
    /// Job id.
    pub job_id: i64,
    /// Order id.
    pub order_id: i64,
    /// When delivered.
    pub delivered_at: DateTime<Utc>,
    /// Distance, metres.
    pub distance_m: i64,
    /// Fee earned.
    pub fee_fen: i64,
}

/// A rider's earnings between two local dates (inclusive), by day and by job.
pub async fn earnings(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    utc_offset_minutes: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<(Vec<EarningsDay>, Vec<EarningsJob>)> {
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let (start, _) = crate::calendar::day_bounds(from, utc_offset_minutes);
    let (_, end) = crate::calendar::day_bounds(to, utc_offset_minutes);
    let jobs = delivery_job::Entity::find()
        .filter(delivery_job::Column::RiderId.eq(r.id))
        .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Delivered))
        .filter(delivery_job::Column::DeliveredAt.gte(start))
        .filter(delivery_job::Column::DeliveredAt.lt(end))
        .order_by_asc(delivery_job::Column::DeliveredAt)
        .all(db)
        .await?;
    let mut days: Vec<EarningsDay> = Vec::new();
    let mut list = Vec::with_capacity(jobs.len());
    for j in jobs {
        let Some(at) = j.delivered_at else { continue };
        let date = (at + offset).date_naive();
        match days.last_mut() {
            Some(d) if d.date == date => {
                d.jobs += 1;
                d.fee_fen += j.rider_fee_fen;
            }
            _ => days.push(EarningsDay {
                date,
                jobs: 1,
                fee_fen: j.rider_fee_fen,
            }),
        }
        list.push(EarningsJob {
            job_id: j.id,
            order_id: j.order_id,
            delivered_at: at,
            distance_m: j.distance_m,
            fee_fen: j.rider_fee_fen,
        });
    }
    Ok((days, list))
}
