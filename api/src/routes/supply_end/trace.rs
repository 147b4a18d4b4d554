//! Traceability (一码溯源): the kitchen's production batches, their
//! printable QR labels, and the public trace page a scan opens.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::supply_end::trace;
use entity::supply_end::trace::{NewBatch, TraceView};
use entity::{Role, production_batch};
use sea_orm::EntityTrait;

use crate::auth::{MaybePrincipal, Principal};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::rate_limit::Rule;
use crate::routes::supply_end::store::my_store;
use crate::state::AppState;

/// Records a production batch; its trace code is made here. Without
/// `sources` the product's ingredient links are copied.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), request_body = NewBatch, responses(
    (status = 201, body = entity::production_batch::Model, description = "The batch, with its trace code"),
    (status = 404, description = "NOT_FOUND: product or supplier", body = ErrorBody),
    (status = 422, description = "VALIDATION_FAILED", body = ErrorBody),
))]
#[post("/merchant/batches")]
pub async fn add_batch(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<NewBatch>,
) -> ApiResult<HttpResponse> {
    let s = my_store(&state.db, &who).await?;
    let today = crate::routes::local_today(&state, who.platform_id).await?;
    let code = trace::trace_code(entity::ids::random_bytes::<12>());
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res =
        trace::create_batch(&txn, &s, who.user_id, &body, code, today, state.clock.now()).await;
    Ok(HttpResponse::Created().json(crate::routes::finish(txn, res).await?))
}

/// The store's batches, newest first.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses((status = 200, body = Vec<production_batch::Model>, description = "Batches")))]
#[get("/merchant/batches")]
pub async fn batches(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<production_batch::Model>>> {
    let s = my_store(&state.db, &who).await?;
    Ok(web::Json(trace::batches_of(&state.db, s.id).await?))
}

/// Draws `data` as a QR code: 8 pixels a module, a 4-module quiet zone,
/// an 8-bit greyscale PNG.
pub fn qr_png(data: &str) -> Result<Vec<u8>, String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| e.to_string())?;
    let modules = code.width();
    let colors = code.to_colors();
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            let row = y * side;
            pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
        }
    }
    let side32 = u32::try_from(side).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side32, side32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&pixels).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The public trace URL of a code, on the host the caller used.
pub(crate) fn trace_url(req: &HttpRequest, code: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/api/v1/trace/{code}", info.scheme(), info.host())
}

/// The batch's printable label: a QR code of its public trace URL (on the
/// host the kitchen reached the platform by).
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff"])), responses(
    (status = 200, description = "PNG", content_type = "image/png"),
    (status = 404, description = "NOT_FOUND (also another store's batch)", body = ErrorBody),
))]
#[get("/merchant/batches/{id}/label.png")]
pub async fn label(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let s = my_store(&state.db, &who).await?;
    let b = production_batch::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .filter(|b| b.store_id == s.id)
        .ok_or_else(|| ApiError::not_found("batch"))?;
    let png = qr_png(&trace_url(&req, &b.trace_code)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(png))
}

/// What a trace code shows anyone: product, kitchen, production date, and
/// where the ingredients came from (villages and kinds of supplier, never
/// a person's name). A signed-in resident who received items of the batch
/// also sees their delivery's cold-chain record.
#[utoipa::path(tag = "resident", responses(
    (status = 200, body = TraceView),
    (status = 404, description = "NOT_FOUND: no such code", body = ErrorBody),
    (status = 429, description = "RATE_LIMITED: see Retry-After", body = ErrorBody),
))]
#[get("/trace/{code}")]
pub async fn trace_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: MaybePrincipal,
    code: web::Path<String>,
) -> ApiResult<web::Json<TraceView>> {
    state
        .rate_limits
        .check(Rule::Trace, None, &state.rate_limits.client_address(&req))?;
    if code.len() > 32 {
        return Err(ApiError::not_found("trace code"));
    }
    let resident = who
        .0
        .filter(|p| p.has(Role::Resident))
        .map(|p| (p.platform_id, p.user_id));
    Ok(web::Json(trace::trace(&state.db, &code, resident).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_square_pngs() {
        let png = qr_png("http://127.0.0.1:8080/api/v1/trace/ABCDEFGH2345").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let dec = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = dec.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width % 8, 0);
    }
}
