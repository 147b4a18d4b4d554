//! Image upload (merchant staff and operators) and public image serving.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, get, http::header, post, web};
use entity::{Role, media};
use futures_util::StreamExt;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::media::{ImageKind, file_name};
use crate::state::AppState;

/// An uploaded image.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    /// Where it is served; use it in products and store settings.
    pub url: String,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: &'static str,
    /// Size in bytes.
    pub size_bytes: usize,
}

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The image: JPEG, PNG or WebP, checked by content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads an image as `multipart/form-data` with a `file` field.
#[utoipa::path(tag = "merchant", security(("bearer" = ["merchant_staff", "operator"])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Uploaded),
        (status = 400, description = "BAD_REQUEST: no file field", body = ErrorBody),
        (status = 403, description = "FORBIDDEN: not merchant staff or operator", body = ErrorBody),
        (status = 413, description = "PAYLOAD_TOO_LARGE", body = ErrorBody),
        (status = 415, description = "UNSUPPORTED_IMAGE", body = ErrorBody),
    ))]
#[post("/merchant/images")]
pub async fn upload(
    state: web::Data<AppState>,
    who: Principal,
    mut form: Multipart,
) -> ApiResult<HttpResponse> {
    if !(who.has(Role::MerchantStaff) || who.has(Role::Operator)) {
        return Err(ApiError::forbidden());
    }
    let max = state.settings.media.max_bytes;
    let mut data: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| {
            ApiError::new(ErrorCode::BAD_REQUEST, format!("bad multipart body: {e}"))
        })?;
        if field.name() != Some("file") {
            continue;
        }
        let buf = field_bytes(&mut field, max).await.map_err(|e| {
            if e.code() == ErrorCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorCode::PAYLOAD_TOO_LARGE,
                    format!("images are at most {max} bytes"),
                )
            } else {
                e
            }
        })?;
        data = Some(buf);
        break;
    }
    let bytes = data.ok_or_else(|| {
        ApiError::new(
            ErrorCode::BAD_REQUEST,
            "send the image in a field named `file`",
        )
    })?;
    let (name, kind, size) = save_image(&state, &who, bytes).await?;
    Ok(HttpResponse::Created().json(Uploaded {
        url: format!("/media/{name}"),
        content_type: kind.mime(),
        size_bytes: size,
    }))
}

/// Reads a multipart form's text field or file (at most `max` bytes).
pub(crate) async fn field_bytes(
    field: &mut actix_multipart::Field,
    max: usize,
) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(ErrorCode::BAD_REQUEST, format!("bad multipart body: {e}"))
        })?;
        if buf.len() + chunk.len() > max {
            return Err(ApiError::new(
                ErrorCode::PAYLOAD_TOO_LARGE,
                format!("at most {max} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Checks an uploaded image by its content, stores it under its SHA-256
/// and records it; returns its file name, kind and size.
pub(crate) async fn save_image(
    state: &AppState,
    who: &Principal,
    bytes: Vec<u8>,
) -> ApiResult<(String, ImageKind, usize)> {
    let kind = ImageKind::sniff(&bytes).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UNSUPPORTED_IMAGE,
            "the file is not a JPEG, PNG or WebP image",
        )
    })?;
    let name = file_name(&bytes, kind);
    let size = bytes.len();
    let store = state.media.clone();
    let stored_name = name.clone();
    web::block(move || store.put(&stored_name, &bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let known = media::Entity::find()
        .filter(media::Column::FileName.eq(&name))
        .one(&state.db)
        .await?
        .is_some();
    if !known {
        let saved = media::ActiveModel {
            platform_id: Set(who.platform_id),
            owner_user_id: Set(who.user_id),
            file_name: Set(name.clone()),
            content_type: Set(kind.mime().into()),
            size_bytes: Set(size as i64),
            created_at: Set(state.clock.now()),
            ..Default::default()
        }
        .insert(&state.db)
        .await;
        // Two uploads of the same image at once: the second insert loses, fine.
        if let Err(e) = saved
            && !matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            )
        {
            return Err(e.into());
        }
    }
    Ok((name, kind, size))
}

/// Serves an uploaded image (public: menus show them to anyone).
#[utoipa::path(tag = "resident", responses(
    (status = 200, description = "The image", content_type = "image/*"),
    (status = 404, description = "NOT_FOUND", body = ErrorBody),
))]
#[get("/media/{name}")]
pub async fn serve(state: web::Data<AppState>, name: web::Path<String>) -> ApiResult<HttpResponse> {
    let name = name.into_inner();
    let kind = ImageKind::of_file_name(&name).ok_or_else(|| ApiError::not_found("image"))?;
    let store = state.media.clone();
    let bytes = web::block(move || store.get(&name))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("image"))?;
    Ok(HttpResponse::Ok()
        .content_type(kind.mime())
        // Named by content hash: it never changes.
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(bytes))
}
