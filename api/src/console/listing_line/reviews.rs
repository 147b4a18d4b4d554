//! The review queues: merchant applications, products and riders.

use entity::merchant_application::ApplicationStatus;
use entity::product::ProductStatus;
use entity::rider::RiderStatus;

use crate::console::*;

/// An application in the review queue.
struct ApplicationRow {
    id: i64,
    store_name: String,
    category: String,
    licence_no: String,
    contact_name: String,
    contact_phone: String,
}

/// A product in the review queue.
struct ProductRow {
    id: i64,
    name: String,
    store: String,
}

#[derive(Template)]
#[template(path = "console/reviews.html")]
struct ReviewsPage {
    layout: Layout,
    csrf: String,
    applications: Vec<ApplicationRow>,
    products: Vec<ProductRow>,
    /// Pending riders: id, name, vehicle and phone.
    riders: Vec<(i64, String, String)>,
}

pub(super) async fn reviews(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let applications = merchant_application::Entity::find()
            .filter(merchant_application::Column::PlatformId.eq(pid))
            .filter(merchant_application::Column::Status.eq(ApplicationStatus::Pending))
            .order_by_asc(merchant_application::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| ApplicationRow {
                id: a.id,
                store_name: a.business_name,
                category: a.category,
                licence_no: a.licence_no,
                contact_name: a.contact_name,
                contact_phone: a.contact_phone,
            })
            .collect();
        let stores: BTreeMap<i64, String> = store::Entity::find()
            .filter(store::Column::PlatformId.eq(pid))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let products = product::Entity::find()
            .filter(product::Column::PlatformId.eq(pid))
            .filter(product::Column::Status.eq(ProductStatus::PendingReview))
            .order_by_asc(product::Column::UpdatedAt)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|p| ProductRow {
                id: p.id,
                store: stores.get(&p.store_id).cloned().unwrap_or_default(),
                name: p.name,
            })
            .collect();
        let riders = entity::rider::Entity::find()
            .filter(entity::rider::Column::PlatformId.eq(pid))
            .filter(entity::rider::Column::Status.eq(RiderStatus::Pending))
            .order_by_asc(entity::rider::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| (r.id, r.real_name, format!("{} · {}", r.vehicle, r.phone)))
            .collect();
        let page = ReviewsPage {
            layout: Layout::of(&req, Some(&who), "reviews"),
            csrf: who.csrf.clone(),
            applications,
            products,
            riders,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

pub(super) async fn decide_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let (id, decision) = path.into_inner();
        let decision = match decision.as_str() {
            "approve" => entity::listing_line::applications::Decision::Approve,
            "reject" => entity::listing_line::applications::Decision::Reject(form.reason.clone()),
            _ => return Err(ApiError::not_found("decision")),
        };
        crate::routes::listing_line::applications::decide(&state, &who.principal, id, decision)
            .await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

pub(super) async fn decide_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let (id, decision) = path.into_inner();
        let (event, reason) = match decision.as_str() {
            "approve" => (
                entity::listing_line::product_states::ListingEvent::Approve,
                None,
            ),
            "reject" => (
                entity::listing_line::product_states::ListingEvent::Reject,
                Some(form.reason.clone()),
            ),
            _ => return Err(ApiError::not_found("decision")),
        };
        crate::routes::listing_line::product_review::review(
            &state,
            &who.principal,
            id,
            event,
            reason,
        )
        .await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}

pub(super) async fn decide_rider(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let (id, decision) = path.into_inner();
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(ApiError::not_found("decision")),
        };
        let reason = (!approve).then(|| form.reason.clone());
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = entity::delivery_end::riders::review(
            &txn,
            who.principal.platform_id,
            id,
            who.principal.user_id,
            approve,
            reason,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/reviews"))
    })
    .await
}
