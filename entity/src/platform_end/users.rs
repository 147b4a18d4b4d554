//! Users, their WeChat identities and their roles on platforms.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, sea_query::OnConflict,
};

use crate::error::{DomainError, DomainResult};
use crate::{Role, operator_account, platform, role_membership, user, wechat_identity};

/// Why a platform could not be chosen.
#[derive(Debug, thiserror::Error)]
pub enum PlatformChoiceError {
    /// No platform has this code.
    #[error("no platform with code {0:?}")]
    Unknown(String),
    /// No platform exists at all.
    #[error("no platform is set up")]
    NoneSetUp,
    /// Several platforms exist and none was named.
    #[error("several platforms exist; name one")]
    Ambiguous,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The platform named by `code`, or the only one when no code is given.
pub async fn choose_platform(
    db: &impl ConnectionTrait,
    code: Option<&str>,
) -> Result<platform::Model, PlatformChoiceError> {
    if let Some(code) = code {
        return platform::Entity::find()
            .filter(platform::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or_else(|| PlatformChoiceError::Unknown(code.to_owned()));
    }
    let mut all = platform::Entity::find()
        .order_by_asc(platform::Column::Id)
        .paginate(db, 2)
        .fetch_page(0)
        .await?;
    match all.len() {
        0 => Err(PlatformChoiceError::NoneSetUp),
        1 => Ok(all.remove(0)),
        _ => Err(PlatformChoiceError::Ambiguous),
    }
}

/// Finds the user of a WeChat identity, creating user and identity on first
/// login; either way makes sure they are a resident of `platform_id`.
///
/// Concurrent first logins of the same openid are settled by the unique
/// (appid, openid) index: the loser re-reads the winner's user.
pub async fn login_wechat_user(
    db: &impl ConnectionTrait,
    platform_id: i64,
    appid: &str,
    openid: &str,
    unionid: Option<&str>,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, DbErr> {
    let existing = find_identity(db, appid, openid).await?;
    let user = match existing {
        Some(identity) => user::Entity::find_by_id(identity.user_id)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("user {}", identity.user_id)))?,
        None => {
            let created = user::ActiveModel {
                platform_id: Set(platform_id),
                display_name: Set(display_name.to_owned()),
                disabled: Set(false),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            let inserted = wechat_identity::Entity::insert(wechat_identity::ActiveModel {
                platform_id: Set(platform_id),
                user_id: Set(created.id),
                appid: Set(appid.to_owned()),
                openid: Set(openid.to_owned()),
                unionid: Set(unionid.map(str::to_owned)),
                created_at: Set(now),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    wechat_identity::Column::Appid,
                    wechat_identity::Column::Openid,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec(db)
            .await;
            match inserted {
                Ok(_) => created,
                Err(DbErr::RecordNotInserted) => {
                    // Lost the race: drop our user and use the winner's.
                    user::Entity::delete_by_id(created.id).exec(db).await?;
                    let identity = find_identity(db, appid, openid).await?.ok_or_else(|| {
                        DbErr::RecordNotFound(format!("identity {appid}/{openid}"))
                    })?;
                    user::Entity::find_by_id(identity.user_id)
                        .one(db)
                        .await?
                        .ok_or_else(|| {
                            DbErr::RecordNotFound(format!("user {}", identity.user_id))
                        })?
                }
                Err(e) => return Err(e),
            }
        }
    };
    grant_role(db, platform_id, user.id, Role::Resident, now).await?;
    Ok(user)
}

/// A user's openid under a mini-program's appid, if they signed in there
/// (to pay, to be paid or shared to, to be sent a subscription message).
pub async fn openid_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    appid: &str,
) -> Result<Option<String>, DbErr> {
    Ok(wechat_identity::Entity::find()
        .filter(wechat_identity::Column::UserId.eq(user_id))
        .filter(wechat_identity::Column::Appid.eq(appid))
        .one(db)
        .await?
        .map(|w| w.openid))
}

async fn find_identity(
    db: &impl ConnectionTrait,
    appid: &str,
    openid: &str,
) -> Result<Option<wechat_identity::Model>, DbErr> {
    wechat_identity::Entity::find()
        .filter(wechat_identity::Column::Appid.eq(appid))
        .filter(wechat_identity::Column::Openid.eq(openid))
        .one(db)
        .await
}

/// Creates a user of the platform with `role` and a password sign-in
/// (operators, and kitchen staff at the console). A username is unique on
/// the server. Run it in a transaction, with the password already hashed.
pub async fn add_password_user(
    db: &impl ConnectionTrait,
    platform_id: i64,
    username: &str,
    display_name: String,
    password_hash: String,
    role: Role,
    now: DateTime<Utc>,
) -> DomainResult<(user::Model, operator_account::Model)> {
    let taken = operator_account::Entity::find()
        .filter(operator_account::Column::Username.eq(username))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(DomainError::Duplicate(format!(
            "the username `{username}` is taken"
        )));
    }
    let u = user::ActiveModel {
        platform_id: Set(platform_id),
        display_name: Set(display_name),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    grant_role(db, platform_id, u.id, role, now).await?;
    let account = operator_account::ActiveModel {
        platform_id: Set(platform_id),
        user_id: Set(u.id),
        username: Set(username.to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((u, account))
}

/// Grants a role on a platform; granting it again changes nothing.
pub async fn grant_role(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    role: Role,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let res = role_membership::Entity::insert(role_membership::ActiveModel {
        platform_id: Set(platform_id),
        user_id: Set(user_id),
        role: Set(role),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            role_membership::Column::PlatformId,
            role_membership::Column::UserId,
            role_membership::Column::Role,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The user's roles on a platform, in a stable order.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    platform_id: i64,
) -> Result<Vec<Role>, DbErr> {
    let rows = role_membership::Entity::find()
        .filter(role_membership::Column::UserId.eq(user_id))
        .filter(role_membership::Column::PlatformId.eq(platform_id))
        .order_by_asc(role_membership::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.role).collect())
}
